// SPDX-License-Identifier: LGPL-2.1-or-later
// Byte buffers, hex conversion and secret handling shared by every part of the project.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace akis {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// "3F00" / "3f 00" / "3F:00" -> {0x3F, 0x00}. Throws std::invalid_argument on odd length or a non-hex digit.
Bytes from_hex(std::string_view hex);
// {0x3F, 0x00} -> "3F00", or "3F 00" with sep = ' '.
std::string to_hex(ByteView bytes, char sep = '\0');

inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline ByteView view(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::uint16_t be16(ByteView b, std::size_t at = 0) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
inline void append(Bytes& to, ByteView from) { to.insert(to.end(), from.begin(), from.end()); }

// Overwrites memory in a way the optimiser cannot remove.
void secure_wipe(void* data, std::size_t size);

// A PIN, PUK or other secret: wiped when it goes out of scope, never printed.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string_view text) : bytes_(text.begin(), text.end()) {}
  explicit Secret(ByteView b) : bytes_(b.begin(), b.end()) {}
  Secret(const Secret& o) : bytes_(o.bytes_) {}
  Secret(Secret&& o) noexcept : bytes_(std::move(o.bytes_)) { o.wipe(); }
  Secret& operator=(const Secret& o) {
    if (this != &o) { wipe(); bytes_ = o.bytes_; }
    return *this;
  }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) { wipe(); bytes_ = std::move(o.bytes_); o.wipe(); }
    return *this;
  }
  ~Secret() { wipe(); }

  ByteView bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  void wipe() {
    secure_wipe(bytes_.data(), bytes_.capacity() ? bytes_.size() : 0);
    bytes_.clear();
  }
  // True when every character is an ASCII digit (the PIN policy of AKİS cards).
  bool all_digits() const;

 private:
  Bytes bytes_;
};

}  // namespace akis
