// SPDX-License-Identifier: LGPL-2.1-or-later
#if defined(__SANITIZE_ADDRESS__)
#define AKIS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AKIS_LSAN 1
#endif
#endif
#if AKIS_LSAN
#include <sanitizer/lsan_interface.h>
#endif
#include "akis/trace.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

#include "akis/recording.hpp"
#include "akis/redact.hpp"
#include "akis/sanitise.hpp"

namespace akis::trace {

namespace {
std::mutex g_mutex;
Sink g_sink;
std::atomic<bool> g_enabled{false};
std::atomic<int> g_personal{-1};  // -1: not decided yet (AKIS_APDU_TRACE_PERSONAL)
std::atomic<bool> g_has_sink{false}, g_recording{false};
thread_local int t_muted = 0;

void update_enabled() { g_enabled = g_has_sink.load() || g_recording.load(); }

// The module's recording: one per card (reader and ATR), each rewritten whole after every answer.
struct Recorder {
  std::mutex mutex;
  std::string path;
  struct Card {
    std::string reader, file;
    Recording rec;
    Bytes pending;  // the command waiting for its answer
    bool header_only = false, waiting = false;
  };
  std::vector<Card> cards;

  Card* current(const std::string& reader) {
    for (auto it = cards.rbegin(); it != cards.rend(); ++it)
      if (it->reader == reader) return &*it;
    return nullptr;
  }
  // A new recording for a reader's first card, or another card (ATR) in it; the same card again goes on in its
  // recording (the replay is keyed on the command, not on the order).
  void start(const std::string& reader, Bytes atr) {
    if (Card* now = current(reader); now && now->rec.atr == atr) return;
    Card c;
    c.reader = reader;
    c.file = cards.empty() ? path : path + "." + std::to_string(cards.size() + 1);
    c.rec.atr = std::move(atr);
    cards.push_back(std::move(c));
  }
  static void write(const Card& c) {
    std::string text;
    try {
      text = personal() ? "# raw recording (apdu_trace_personal): the holder's own use only\n" + c.rec.text()
                        : "# sanitised recording: synthetic holder data, certificates re-issued by a test key\n" +
                              sanitise(c.rec).text();
    } catch (const std::exception& e) {
      text = std::string("# not written: ") + e.what() + "\n";  // never the raw data by accident
    }
    const std::string tmp = c.file + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << text;
      if (!f) return;  // optional, like the trace: never fail the card's user
    }
    std::error_code ec;
    std::filesystem::rename(tmp, c.file, ec);
  }
};
Recorder& recorder() {
  static Recorder* r = [] {
    auto* p = new Recorder;  // never destroyed: other threads may still answer at exit
#if AKIS_LSAN
    __lsan_ignore_object(p);  // nor a leak when the module holding it is dlclose'd
#endif
    return p;
  }();
  return *r;
}

void record_command(const std::string& reader, const Command& c, ByteView encoded) {
  Recorder& r = recorder();
  std::lock_guard lock(r.mutex);
  Recorder::Card* card = r.current(reader);
  if (!card) return;  // no ATR seen for this reader: nothing to play it back as
  card->header_only = c.sensitive && !c.data.empty();
  card->pending.assign(encoded.begin(), card->header_only ? encoded.begin() + 4 : encoded.end());
  card->waiting = true;
}

void record_response(const std::string& reader, const Command& c, const Response& resp) {
  Recorder& r = recorder();
  std::lock_guard lock(r.mutex);
  Recorder::Card* card = r.current(reader);
  if (!card || !card->waiting) return;
  Exchange e;
  e.command = std::move(card->pending);
  e.header_only = card->header_only;
  if (!c.sensitive_response) e.answer = resp.data;  // deciphered data is never recorded
  e.answer.push_back(resp.sw1());
  e.answer.push_back(resp.sw2());
  card->rec.exchanges.push_back(std::move(e));
  card->waiting = false;
  Mute mute;  // the sanitiser replays the recording through the card layer
  Recorder::write(*card);
}

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
  g_has_sink = static_cast<bool>(g_sink);
  update_enabled();
}

void configure_record(const std::string& path) {
  Recorder& r = recorder();
  std::lock_guard lock(r.mutex);
  if (path == r.path) return;
  r.path = path;
  if (auto at = r.path.find("%p"); at != std::string::npos) r.path.replace(at, 2, std::to_string(::getpid()));
  r.cards.clear();
  g_recording = !path.empty();
  update_enabled();
}

Mute::Mute() { ++t_muted; }
Mute::~Mute() { --t_muted; }

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
  if (!enabled() || t_muted) return;
  if (g_has_sink) emit(format_command(reader, c, encoded));
  if (g_recording) record_command(reader, c, encoded);
}
void response(const std::string& reader, const Command& c, const Response& r) {
  if (!enabled() || t_muted) return;
  if (g_has_sink) emit(format_response(reader, c, r));
  if (g_recording) record_response(reader, c, r);
}
void note(const std::string& line) {
  if (!enabled() || t_muted) return;
  if (g_has_sink) emit("# " + line);
  // The channel's first words about a card: "ATR <hex> [reader]" (channel.cpp). A new card's recording.
  if (g_recording && line.rfind("ATR ", 0) == 0) {
    const auto open = line.find(" [");
    if (open == std::string::npos || line.back() != ']') return;
    Bytes atr;
    try {
      atr = from_hex(line.substr(4, open - 4));
    } catch (const std::exception&) {
      return;
    }
    Recorder& r = recorder();
    std::lock_guard lock(r.mutex);
    r.start(line.substr(open + 2, line.size() - open - 3), std::move(atr));
  }
}

}  // namespace akis::trace
