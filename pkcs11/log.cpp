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

void read_config(std::string& level, std::string& file, std::string& trace) {
  auto settings = read_settings();
  level = settings["log_level"];
  file = settings["log_file"];
  trace = settings["apdu_trace"];
}
}  // namespace

// Config file: AKIS_PKCS11_CONF or /etc/akis/pkcs11.conf. Keys: log_level, log_file, apdu_trace,
// apdu_trace_personal, allow_certificate_writes.
std::map<std::string, std::string> read_settings() {
  const char* path = std::getenv("AKIS_PKCS11_CONF");
  std::ifstream in(path && *path ? path : "/etc/akis/pkcs11.conf");
  return parse_config(in);
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
  std::string level, file, trace;
  read_config(level, file, trace);
  if (const char* e = std::getenv("AKIS_PKCS11_LOG")) level = e;
  if (const char* e = std::getenv("AKIS_PKCS11_LOG_FILE")) file = e;
  g_level = static_cast<int>(parse(level));
  std::lock_guard lock(g_mutex);
  if (g_out) {
    std::fclose(g_out);
    g_out = nullptr;
  }
  if (!file.empty()) g_out = std::fopen(file.c_str(), "a");
  if (!trace.empty() && !std::getenv("AKIS_APDU_TRACE")) ::setenv("AKIS_APDU_TRACE", trace.c_str(), 0);
  akis::trace::configure_from_env();
  // Raw card content in the trace (names, T.C. Kimlik No, certificates): only for the holder's own use.
  if (read_settings()["apdu_trace_personal"] == "yes") akis::trace::set_personal(true);
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
