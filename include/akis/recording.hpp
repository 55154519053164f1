// SPDX-License-Identifier: LGPL-2.1-or-later
// A recorded card session and its replay: the ATR, then every command APDU and the card's answer, in order.
// Made by `akis probe --record FILE`, by the module (`apdu_record = FILE`, akis/trace.hpp) and by
// RecordingTransport in code; made safe to publish by akis/sanitise.hpp (`akis probe --sanitise IN OUT`); played
// back by ReplayTransport, so the card layer and the module run against a recorded card without hardware
// (docs/field-evidence.md).
//
// Text format, one item per line ("#" starts a comment):
//   akis-recording 1
//   atr 3B9F978131FE458065544353228231C073F6218081055B
//   > 00A4040C07504B43532D3135        command APDU, hex
//   < 9000                            the card's answer: data and SW1 SW2, hex
//   > 00200081*                       a PIN command: header only, its data (and Lc) never recorded
// A raw recording holds the card's content (certificates, serial): for the holder's own use or private sending.
#pragma once

#include <cstddef>
#include <deque>
#include <istream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "akis/transport.hpp"

namespace akis {

struct Exchange {
  Bytes command;          // the whole APDU, or only its 4-byte header when `header_only`
  bool header_only = false;
  Bytes answer;           // data + SW1 SW2
};

struct Recording {
  Bytes atr;
  std::vector<Exchange> exchanges;
  std::string text() const;
};
// Throws std::invalid_argument naming the line that is not in the format.
Recording parse_recording(std::istream& in);
// An APDU trace (AKIS_APDU_TRACE with AKIS_APDU_TRACE_PERSONAL=yes) as a recording: its ATR line and the
// commands and answers of its first reader. A trace whose card content is redacted cannot be replayed: throws
// std::invalid_argument naming the line.
Recording recording_from_trace(std::istream& in);
// A recording file, or a trace file (recognised by its lines).
Recording read_recording(const std::string& path);

// An answer the card accepted (90 00, or 61 xx: more data waiting): a SELECT answered so changes the current file.
bool answer_accepted(ByteView answer);

// Commands whose data is a secret (VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, EXTERNAL AUTHENTICATE):
// recorded by their header only.
bool secret_command(ByteView apdu);

// Passes everything to `inner` and records each exchange. Thread safe.
class RecordingTransport final : public Transport {
 public:
  explicit RecordingTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}
  Bytes transmit(ByteView apdu) override;
  Bytes atr() const override { return inner_->atr(); }
  void begin_transaction() override { inner_->begin_transaction(); }
  void end_transaction() override { inner_->end_transaction(); }
  void reconnect(bool reset) override { inner_->reconnect(reset); }
  std::string name() const override { return inner_->name(); }
  Recording recording() const;
  std::size_t count() const;

 private:
  std::unique_ptr<Transport> inner_;
  mutable std::mutex mutex_;
  std::vector<Exchange> exchanges_;
};

// A card played back from a recording.
//   Keyed (default): the answer is looked up by the command and the file selected before it (the last SELECT
//   the card accepted; none for SELECT by name, by path or of the MF, and GET DATA), so a later change that
//   reorders commands still finds its answers; a command recorded
//   several times in one place gets its answers in order, the last one again once they run out; a READ BINARY
//   with another offset or Le is answered from the file's recorded bytes when they cover the range.
//   Strict: the commands must come exactly in the recorded order.
// A command without a recorded answer throws ReplayMiss (not a CardError: no layer mistakes it for an answer),
// whose message names the command and the selected file.
class ReplayMiss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ReplayTransport final : public Transport {
 public:
  enum class Mode { Keyed, Strict };
  explicit ReplayTransport(Recording rec, Mode mode = Mode::Keyed, std::string name = "replay");
  Bytes transmit(ByteView apdu) override;
  Bytes atr() const override { return rec_.atr; }
  std::string name() const override { return name_; }
  std::size_t answered() const { return answered_; }

 private:
  const Exchange* find(ByteView apdu);
  const Exchange* read_from_content(ByteView apdu, const Bytes& key);
  static bool same(const Exchange& e, ByteView apdu);

  Recording rec_;
  Mode mode_;
  std::string name_;
  std::mutex mutex_;
  std::size_t next_ = 0;             // strict mode: the next exchange
  std::vector<std::size_t> served_;  // keyed mode: answers served per exchange index
  std::vector<Bytes> context_;       // keyed mode: the selection before each recorded exchange
  Bytes current_;                    // keyed mode: the selection now (the previous command for GET RESPONSE)
  Bytes previous_;
  std::size_t answered_ = 0;
  std::deque<Exchange> synthesised_;  // READ BINARY answers made from recorded file content (stable addresses)
};

}  // namespace akis
