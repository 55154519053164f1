// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/bytes.hpp"

#include <cstring>
#include <stdexcept>

namespace akis {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Bytes from_hex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
    int v = hex_value(c);
    if (v < 0) throw std::invalid_argument("not a hex digit in '" + std::string(hex) + "'");
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd number of hex digits in '" + std::string(hex) + "'");
  return out;
}

std::string to_hex(ByteView bytes, char sep) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * (sep ? 3 : 2));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (sep && i) out.push_back(sep);
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0x0F]);
  }
  return out;
}

void secure_wipe(void* data, std::size_t size) {
  if (!data || !size) return;
  volatile auto* p = static_cast<volatile std::uint8_t*>(data);
  for (std::size_t i = 0; i < size; ++i) p[i] = 0;
  asm volatile("" : : "r"(data) : "memory");
}

bool Secret::all_digits() const {
  for (auto b : bytes_)
    if (b < '0' || b > '9') return false;
  return true;
}

}  // namespace akis
