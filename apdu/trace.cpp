#include "akis/trace.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>

#include "akis/redact.hpp"

namespace akis::trace {

namespace {
std::mutex g_mutex;
Sink g_sink;
std::atomic<bool> g_enabled{false};
std::atomic<int> g_personal{-1};  // -1: not decided yet (AKIS_APDU_TRACE_PERSONAL)

// Answers that carry the card's content (certificates with the holder's name and T.C. Kimlik No, the serial,
// labels): READ BINARY, READ RECORD, GET DATA, and GET RESPONSE (the rest of any of them).
bool content_answer(std::uint8_t ins) { return ins == 0xB0 || ins == 0xB2 || ins == 0xCA || ins == 0xC0; }
// Commands whose data is card content: UPDATE BINARY / WRITE BINARY / UPDATE RECORD / APPEND RECORD.
bool content_command(std::uint8_t ins) { return ins == 0xD6 || ins == 0xD0 || ins == 0xDC || ins == 0xE2; }

std::string stamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto t = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03lld", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms));
  return buf;
}

void emit(const std::string& line) {
  std::lock_guard lock(g_mutex);
  if (g_sink) g_sink(stamp() + " " + line);
}
}  // namespace

void set_sink(Sink sink) {
  std::lock_guard lock(g_mutex);
  g_sink = std::move(sink);
  g_enabled = static_cast<bool>(g_sink);
}

void set_personal(bool raw) { g_personal = raw ? 1 : 0; }

bool personal() {
  int p = g_personal.load();
  if (p < 0) {
    const char* e = std::getenv("AKIS_APDU_TRACE_PERSONAL");
    std::string v = e ? e : "";
    p = (v == "yes" || v == "1" || v == "true") ? 1 : 0;
    g_personal = p;
  }
  return p == 1;
}

bool enabled() { return g_enabled.load(std::memory_order_relaxed); }

void configure_from_env() {
  const char* where = std::getenv("AKIS_APDU_TRACE");
  if (where) configure_target(where);
}

void configure_target(const std::string& target) {
  if (target.empty()) return;
  if (target == "stderr" || target == "1") {
    set_sink([](const std::string& l) { std::fprintf(stderr, "akis-apdu %s\n", l.c_str()); });
    return;
  }
  std::shared_ptr<std::FILE> f(std::fopen(target.c_str(), "a"), [](std::FILE* p) { if (p) std::fclose(p); });
  if (!f) return;  // tracing is optional: never fail the caller because the trace file cannot be opened
  set_sink([f](const std::string& l) {
    std::fprintf(f.get(), "%s\n", l.c_str());
    std::fflush(f.get());
  });
}

std::string format_command(const std::string& reader, const Command& c, ByteView encoded) {
  std::string s = "[" + reader + "] -> ";
  if (c.sensitive && !c.data.empty()) {
    // The header only: neither the secret nor its length (Lc) reaches the trace.
    s += to_hex(encoded.first(std::min<std::size_t>(encoded.size(), 4)), ' ') + " <redacted>";
  } else if (content_command(c.ins) && !c.data.empty() && !personal()) {
    s += to_hex(encoded.first(std::min<std::size_t>(encoded.size(), 5)), ' ') + " " + redact::placeholder(c.data);
  } else {
    s += to_hex(encoded, ' ');
  }
  return s;
}

std::string format_response(const std::string& reader, const Command& c, const Response& r) {
  std::string s = "[" + reader + "] <- ";
  if (c.sensitive_response && !r.data.empty())
    s += "<redacted> ";
  else if (content_answer(c.ins) && !r.data.empty() && !personal())
    s += redact::placeholder(r.data) + " ";
  else if (!r.data.empty())
    s += to_hex(r.data, ' ') + " ";
  char sw[8];
  std::snprintf(sw, sizeof sw, "%02X %02X", r.sw1(), r.sw2());
  return s + sw;
}

void command(const std::string& reader, const Command& c, ByteView encoded) {
  if (enabled()) emit(format_command(reader, c, encoded));
}
void response(const std::string& reader, const Command& c, const Response& r) {
  if (enabled()) emit(format_response(reader, c, r));
}
void note(const std::string& line) {
  if (enabled()) emit("# " + line);
}

}  // namespace akis::trace
