// SPDX-License-Identifier: LGPL-2.1-or-later
// A card whose whole content comes from a fuzz input: files with their FCI and contents, DF names, and
// canned answers for every other command. It answers SELECT / READ BINARY / UPDATE BINARY itself, so the
// card layer's discovery order can change without invalidating the corpus.
//
// Input: records of tag (1 byte), length (2 bytes, big-endian), value:
//   'A' ATR
//   'F' file:     flags (bit 0: DF), path length, path (from 3F00, included), FCI length (2), FCI, content
//   'N' DF name:  name length, name, path of the DF
//   'R' answer:   INS, P1, P2, then data + SW1 SW2; several answers to one command are given in turn and
//                 the last one repeats. P1 = P2 = FF answers the INS whatever P1/P2 are.
//   'L' limit:    most data bytes per READ BINARY answer (a card that answers short)
// Defaults: unknown file 6A 82, READ RECORD 6A 83, VERIFY without data 63 C3, GET CHALLENGE Le bytes,
// anything else 90 00.
#pragma once

#include <map>
#include <memory>
#include <tuple>

#include "akis/transport.hpp"

namespace akis::fuzz {

class FakeCard {
 public:
  struct File {
    Bytes path;
    bool is_df = false;
    Bytes fci;
    Bytes content;
  };

  static FakeCard parse(ByteView input);
  Bytes serialise() const;  // the input format above (the corpus generator writes it)

  Bytes process(ByteView apdu);

  Bytes atr;
  std::vector<File> files;
  std::vector<std::pair<Bytes, Bytes>> names;  // DF name -> path
  std::map<std::tuple<std::uint8_t, std::uint8_t, std::uint8_t>, std::vector<Bytes>> answers;
  std::size_t read_limit = 0;  // 0: no limit

 private:
  File* find(ByteView path);
  Bytes select(std::uint8_t p1, std::uint8_t p2, ByteView data);
  Bytes canned(std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, bool* found);

  Bytes current_df_ = {0x3F, 0x00};
  Bytes current_ef_;
  std::map<std::tuple<std::uint8_t, std::uint8_t, std::uint8_t>, std::size_t> served_;
};

// A transport to a FakeCard. After `max_commands` APDUs the card is "removed" (bounds every loop).
class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(std::shared_ptr<FakeCard> card, std::size_t max_commands = 4000)
      : card_(std::move(card)), left_(max_commands) {}
  Bytes transmit(ByteView apdu) override;
  Bytes atr() const override { return card_->atr; }
  std::string name() const override { return "Fuzz Reader"; }

 private:
  std::shared_ptr<FakeCard> card_;
  std::size_t left_;
};

}  // namespace akis::fuzz
