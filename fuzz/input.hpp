// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading a fuzz input piece by piece: every read past the end yields zeros or an empty view, never UB.
#pragma once

#include <cstddef>
#include <cstdint>

#include "akis/bytes.hpp"

namespace akis::fuzz {

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : all_(data, size) {}
  explicit Input(ByteView all) : all_(all) {}

  bool empty() const { return pos_ >= all_.size(); }
  std::size_t left() const { return empty() ? 0 : all_.size() - pos_; }
  std::uint8_t u8() { return empty() ? 0 : all_[pos_++]; }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  ByteView take(std::size_t n) {
    n = std::min(n, left());
    ByteView v = all_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  ByteView rest() { return take(left()); }

 private:
  ByteView all_;
  std::size_t pos_ = 0;
};

}  // namespace akis::fuzz
