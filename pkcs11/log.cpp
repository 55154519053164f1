// SPDX-License-Identifier: LGPL-2.1-or-later
#include "log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>

#include "akis/trace.hpp"

namespace akis::p11::log {

namespace {
std::atomic<int> g_level{0};
std::mutex g_mutex;
std::FILE* g_out = nullptr;

Level parse(const std::string& s) {
  if (s == "error") return Level::Error;
  if (s == "info") return Level::Info;
  if (s == "debug") return Level::Debug;
  return Level::Off;
}

__attribute__((format(printf, 2, 0))) void vwrite(Level l, const char* fmt, va_list ap) {
  if (static_cast<int>(l) > g_level.load()) return;
  std::lock_guard lock(g_mutex);
  std::FILE* out = g_out ? g_out : stderr;
  std::fprintf(out, "akis-pkcs11[%d] ", static_cast<int>(::getpid()));
  std::vfprintf(out, fmt, ap);
  std::fputc('\n', out);
  std::fflush(out);
}

Settings g_settings;  // under g_mutex

bool yes(const std::string& v) { return v == "yes" || v == "true" || v == "1"; }

std::map<std::string, std::string> read_file() {
  const char* path = std::getenv("AKIS_PKCS11_CONF");
  std::ifstream in(path && *path ? path : "/etc/akis/pkcs11.conf");
  return parse_config(in);
}
}  // namespace

// Keys: log_level, log_file, apdu_trace, apdu_trace_personal, apdu_record, allow_card_writes (alias:
// allow_certificate_writes), public_cache.
Settings settings_from(const std::map<std::string, std::string>& file, bool with_environment) {
  auto value = [&](const char* key) {
    auto it = file.find(key);
    return it == file.end() ? std::string() : it->second;
  };
  auto env = [&](const char* name, std::string fallback) {
    const char* e = with_environment ? std::getenv(name) : nullptr;
    return e ? std::string(e) : fallback;
  };
  Settings s;
  s.level = parse(env("AKIS_PKCS11_LOG", value("log_level")));
  s.log_file = env("AKIS_PKCS11_LOG_FILE", value("log_file"));
  s.apdu_trace = env("AKIS_APDU_TRACE", value("apdu_trace"));
  s.apdu_trace_personal = value("apdu_trace_personal") == "yes" || yes(env("AKIS_APDU_TRACE_PERSONAL", ""));
  s.apdu_record = env("AKIS_APDU_RECORD", value("apdu_record"));
  s.allow_card_writes = yes(file.count("allow_card_writes") ? value("allow_card_writes") : value("allow_certificate_writes"));
  const std::string cache = env("AKIS_PKCS11_PUBLIC_CACHE", value("public_cache"));
  s.public_cache = cache.empty() || yes(cache);  // on by default; any other word than yes/true/1 is off
  // A recording must hold every answer the module used to replay as the card: what the cache would serve
  // never reaches the card, so a recording session reads everything from it.
  if (!s.apdu_record.empty()) s.public_cache = false;
  return s;
}

std::map<std::string, std::string> parse_config(std::istream& in) {
  std::map<std::string, std::string> out;
  auto trim = [](const std::string& s) {
    auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  std::string line;
  while (std::getline(in, line)) {
    auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = trim(line.substr(0, eq));
    if (!k.empty()) out[k] = trim(line.substr(eq + 1));
  }
  return out;
}

void configure() {
  const Settings s = settings_from(read_file(), true);
  g_level = static_cast<int>(s.level);
  {
    std::lock_guard lock(g_mutex);
    g_settings = s;
    if (g_out) {
      std::fclose(g_out);
      g_out = nullptr;
    }
    if (!s.log_file.empty()) g_out = std::fopen(s.log_file.c_str(), "a");
  }
  akis::trace::configure_target(s.apdu_trace);  // no setenv: the host may have other threads reading it
  if (s.apdu_trace_personal) akis::trace::set_personal(true);
  akis::trace::configure_record(s.apdu_record);  // empty: off
}

Settings settings() {
  std::lock_guard lock(g_mutex);
  return g_settings;
}

Level level() { return static_cast<Level>(g_level.load()); }

#define AKIS_LOG_FN(name, lvl)           \
  void name(const char* fmt, ...) {      \
    va_list ap;                          \
    va_start(ap, fmt);                   \
    vwrite(lvl, fmt, ap);                \
    va_end(ap);                          \
  }
AKIS_LOG_FN(error, Level::Error)
AKIS_LOG_FN(info, Level::Info)
AKIS_LOG_FN(debug, Level::Debug)

}  // namespace akis::p11::log
