// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/recording.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace akis {

namespace {
constexpr std::uint8_t kSelect = 0xA4, kGetResponse = 0xC0;

// Commands whose answer does not depend on the current file: SELECT by DF name, by path from the MF, of the MF
// itself, and GET DATA.
bool absolute(ByteView apdu) {
  if (apdu.size() < 4) return false;
  if (apdu[1] == 0xCA) return true;
  if (apdu[1] != kSelect) return false;
  return apdu[2] == 0x04 || apdu[2] == 0x08 || (apdu[2] == 0x00 && apdu.size() >= 7 && apdu[5] == 0x3F && apdu[6] == 0x00);
}

// The key a command is answered under: the last accepted SELECT (nothing for an absolute command), or for
// GET RESPONSE that and the command before it.
struct Context {
  Bytes selection, previous;
  Bytes key(ByteView apdu) const {
    if (apdu.size() > 1 && apdu[1] == kGetResponse) {  // the rest of the previous command's answer, in its file
      Bytes k = selection;
      k.push_back(0xFF);
      append(k, previous);
      return k;
    }
    return absolute(apdu) ? Bytes{} : selection;
  }
  void after(ByteView apdu, ByteView answer) {
    if (apdu.size() > 1 && apdu[1] == kSelect && answer_accepted(answer)) selection.assign(apdu.begin(), apdu.end());
    previous.assign(apdu.begin(), apdu.end());
  }
};

std::string describe(ByteView apdu) { return apdu.empty() ? "(empty)" : to_hex(apdu, ' '); }
}  // namespace

bool answer_accepted(ByteView answer) {
  if (answer.size() < 2) return false;
  std::uint8_t sw1 = answer[answer.size() - 2];
  return sw1 == 0x90 || sw1 == 0x61;
}

bool secret_command(ByteView apdu) {
  if (apdu.size() <= 5) return false;  // no data: VERIFY without data reads the counter
  switch (apdu[1]) {
    case 0x20: case 0x21: case 0x24: case 0x2C: case 0x82: return true;
    default: return false;
  }
}

std::string Recording::text() const {
  std::ostringstream out;
  out << "akis-recording 1\natr " << to_hex(atr) << "\n";
  for (auto& e : exchanges)
    out << "> " << to_hex(e.command) << (e.header_only ? "*" : "") << "\n< " << to_hex(e.answer) << "\n";
  return out.str();
}

Recording parse_recording(std::istream& in) {
  Recording r;
  std::string line;
  std::size_t n = 0;
  bool header = false, have_atr = false, want_answer = false;
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("recording line " + std::to_string(n) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++n;
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.pop_back();
    if (line.empty()) continue;
    try {
      if (!header) {
        if (line != "akis-recording 1") throw bad("expected 'akis-recording 1'");
        header = true;
      } else if (line.rfind("atr ", 0) == 0 && !have_atr) {
        r.atr = from_hex(line.substr(4));
        have_atr = true;
      } else if (line.rfind("> ", 0) == 0 && !want_answer) {
        Exchange e;
        std::string hex = line.substr(2);
        if (!hex.empty() && hex.back() == '*') {
          e.header_only = true;
          hex.pop_back();
        }
        e.command = from_hex(hex);
        if (e.command.size() < 4 || (e.header_only && e.command.size() != 4)) throw bad("a command has 4+ bytes");
        r.exchanges.push_back(std::move(e));
        want_answer = true;
      } else if (line.rfind("< ", 0) == 0 && want_answer) {
        r.exchanges.back().answer = from_hex(line.substr(2));
        if (r.exchanges.back().answer.size() < 2) throw bad("an answer ends with SW1 SW2");
        want_answer = false;
      } else {
        throw bad("unexpected '" + line.substr(0, 40) + "'");
      }
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).rfind("recording line", 0) == 0) throw;
      throw bad(e.what());
    }
  }
  if (!header) throw std::invalid_argument("recording: empty (no 'akis-recording 1' line)");
  if (!have_atr) throw std::invalid_argument("recording: no 'atr' line");
  if (want_answer) throw std::invalid_argument("recording: the last command has no answer");
  return r;
}

Recording recording_from_trace(std::istream& in) {
  Recording r;
  std::string line, reader;
  std::size_t n = 0;
  bool have_atr = false, want_answer = false;
  auto bad = [&](const std::string& why) { return std::invalid_argument("trace line " + std::to_string(n) + ": " + why); };
  auto hex_of = [&](std::string text) {
    if (text.find("<redacted>") != std::string::npos || text.find(" bytes #") != std::string::npos)
      throw bad("card content is redacted; trace with AKIS_APDU_TRACE_PERSONAL=yes, or use akis probe --record");
    try {
      return from_hex(text);
    } catch (const std::invalid_argument& e) {
      throw bad(e.what());
    }
  };
  while (std::getline(in, line)) {
    ++n;
    if (auto at = line.find("# ATR "); at != std::string::npos && !have_atr) {
      std::string rest = line.substr(at + 6);
      auto sp = rest.find(" [");
      r.atr = hex_of(rest.substr(0, sp));
      if (sp != std::string::npos) reader = rest.substr(sp + 1);  // "[name]"
      have_atr = true;
      continue;
    }
    auto open = line.find('[');
    auto arrow = line.find("] -> ");
    auto back = line.find("] <- ");
    auto at = arrow != std::string::npos ? arrow : back;
    if (open == std::string::npos || at == std::string::npos || at < open) continue;
    if (!reader.empty() && line.substr(open, at - open + 1) != reader) continue;  // another card of the same process
    if (reader.empty()) reader = line.substr(open, at - open + 1);
    std::string text = line.substr(at + 5);
    if (arrow != std::string::npos) {
      if (want_answer) throw bad("a command without an answer before it");
      Exchange e;
      if (text.size() > 11 && text.compare(text.size() - 11, 11, " <redacted>") == 0) {  // a PIN command: header
        e.header_only = true;
        text.erase(text.size() - 11);
      }
      e.command = hex_of(text);
      if (e.command.size() < 4 || (e.header_only && e.command.size() != 4)) throw bad("not a command APDU");
      r.exchanges.push_back(std::move(e));
      want_answer = true;
    } else {
      if (!want_answer) throw bad("an answer without a command");
      r.exchanges.back().answer = hex_of(text);
      if (r.exchanges.back().answer.size() < 2) throw bad("an answer ends with SW1 SW2");
      want_answer = false;
    }
  }
  if (!have_atr) throw std::invalid_argument("trace: no '# ATR' line (traces before this version have none)");
  if (want_answer) r.exchanges.pop_back();  // cut off mid-command (the card was pulled)
  return r;
}

Recording read_recording(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read recording " + path);
  std::string line;
  while (std::getline(in, line) && (line.empty() || line[0] == '#')) {
  }
  const bool trace = line.find("] -> ") != std::string::npos || line.find("# ATR ") != std::string::npos;
  in.clear();
  in.seekg(0);
  return trace ? recording_from_trace(in) : parse_recording(in);
}

Bytes RecordingTransport::transmit(ByteView apdu) {
  Bytes answer = inner_->transmit(apdu);
  Exchange e;
  e.header_only = secret_command(apdu);
  e.command.assign(apdu.begin(), e.header_only ? apdu.begin() + 4 : apdu.end());
  e.answer = answer;
  std::lock_guard lock(mutex_);
  exchanges_.push_back(std::move(e));
  return answer;
}

Recording RecordingTransport::recording() const {
  Recording r;
  r.atr = inner_->atr();
  std::lock_guard lock(mutex_);
  r.exchanges = exchanges_;
  return r;
}

std::size_t RecordingTransport::count() const {
  std::lock_guard lock(mutex_);
  return exchanges_.size();
}

ReplayTransport::ReplayTransport(Recording rec, Mode mode, std::string name)
    : rec_(std::move(rec)), mode_(mode), name_(std::move(name)), served_(rec_.exchanges.size(), 0) {
  Context ctx;
  for (auto& e : rec_.exchanges) {
    context_.push_back(ctx.key(e.command));
    ctx.after(e.command, e.answer);
  }
}

bool ReplayTransport::same(const Exchange& e, ByteView apdu) {
  if (e.header_only) return secret_command(apdu) && std::equal(e.command.begin(), e.command.end(), apdu.begin());
  return std::equal(e.command.begin(), e.command.end(), apdu.begin(), apdu.end());
}

const Exchange* ReplayTransport::find(ByteView apdu) {
  if (mode_ == Mode::Strict) {
    if (next_ >= rec_.exchanges.size())
      throw ReplayMiss("replay: command " + describe(apdu) + " after the end of the recording (" +
                       std::to_string(rec_.exchanges.size()) + " commands)");
    const Exchange& e = rec_.exchanges[next_];
    if (!same(e, apdu))
      throw ReplayMiss("replay: command " + describe(apdu) + " where the recording has " + describe(e.command) +
                       " (command " + std::to_string(next_ + 1) + ")");
    ++next_;
    return &e;
  }
  Context now{current_, previous_};
  const Bytes key = now.key(apdu);
  std::size_t last = rec_.exchanges.size();
  for (std::size_t i = 0; i < rec_.exchanges.size(); ++i) {
    if (context_[i] != key || !same(rec_.exchanges[i], apdu)) continue;
    if (served_[i] == 0) {
      ++served_[i];
      return &rec_.exchanges[i];
    }
    last = i;
  }
  if (last < rec_.exchanges.size()) return &rec_.exchanges[last];
  if (const Exchange* e = read_from_content(apdu, key)) return e;
  throw ReplayMiss("replay: no recorded answer to " + describe(apdu) + " with " +
                   (key.empty() ? std::string("nothing selected") : "the file of " + describe(key) + " selected"));
}

// READ BINARY of a range the recording holds for the same file, with another offset or Le than recorded (a later
// card layer that reads in other steps): answered from the bytes the recorded reads returned with 90 00.
const Exchange* ReplayTransport::read_from_content(ByteView apdu, const Bytes& key) {
  if (apdu.size() != 5 || apdu[1] != 0xB0 || (apdu[2] & 0x80)) return nullptr;
  struct Read {
    std::size_t offset, le;
    Bytes data;
    std::uint16_t sw;
  };
  std::vector<Read> reads;
  std::map<std::size_t, Bytes> pieces;
  for (std::size_t i = 0; i < rec_.exchanges.size(); ++i) {
    const Exchange& e = rec_.exchanges[i];
    if (context_[i] != key || e.command.size() != 5 || e.command[1] != 0xB0 || (e.command[2] & 0x80)) continue;
    if (e.answer.size() < 2) continue;
    Read r{static_cast<std::size_t>((e.command[2] << 8) | e.command[3]), e.command[4] ? e.command[4] : 256u,
           Bytes(e.answer.begin(), e.answer.end() - 2), be16(e.answer, e.answer.size() - 2)};
    if (r.sw == 0x9000 || r.sw == 0x6282) pieces[r.offset] = r.data;
    reads.push_back(std::move(r));
  }
  Bytes content;
  for (auto& [offset, data] : pieces) {
    if (offset > content.size()) break;  // a gap: nothing known beyond it
    if (offset + data.size() > content.size())
      content.insert(content.end(), data.begin() + static_cast<std::ptrdiff_t>(content.size() - offset), data.end());
  }
  // The end of the file is known when a recorded read stopped there: fewer bytes than asked, 62 82, or an error
  // at that very offset.
  bool end_known = false;
  for (auto& r : reads)
    end_known |= (r.offset + r.data.size() == content.size() && (r.data.size() < r.le || r.sw == 0x6282)) ||
                 (r.offset == content.size() && r.data.empty() && r.sw != 0x9000);
  const std::size_t offset = static_cast<std::size_t>((apdu[2] << 8) | apdu[3]), le = apdu[4] ? apdu[4] : 256;
  if (offset + le > content.size() && !end_known) return nullptr;
  Exchange made;
  made.command.assign(apdu.begin(), apdu.end());
  if (offset >= content.size()) {
    made.answer = {0x6B, 0x00};  // ISO 7816-4: offset beyond the end of the file
  } else {
    const std::size_t end = std::min(content.size(), offset + le);
    made.answer.assign(content.begin() + static_cast<std::ptrdiff_t>(offset),
                       content.begin() + static_cast<std::ptrdiff_t>(end));
    made.answer.push_back(end - offset < le ? 0x62 : 0x90);  // 62 82: the end came before Le bytes
    made.answer.push_back(end - offset < le ? 0x82 : 0x00);
  }
  synthesised_.push_back(std::move(made));
  return &synthesised_.back();
}

Bytes ReplayTransport::transmit(ByteView apdu) {
  std::lock_guard lock(mutex_);
  const Exchange* e = find(apdu);
  Context ctx{current_, previous_};
  ctx.after(apdu, e->answer);
  current_ = std::move(ctx.selection);
  previous_ = std::move(ctx.previous);
  ++answered_;
  return e->answer;
}

}  // namespace akis
