// SPDX-License-Identifier: LGPL-2.1-or-later
// Small helpers shared by the virtual card's command files (not part of its interface).
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

#include <botan/mem_ops.h>

#include "akis/bytes.hpp"

namespace akis::vcard::detail {

constexpr std::uint16_t SW_OK = 0x9000, SW_WRONG_LENGTH = 0x6700, SW_SECURITY = 0x6982, SW_BLOCKED = 0x6983,
                        SW_CONDITIONS = 0x6985, SW_NO_CURRENT_EF = 0x6986, SW_WRONG_DATA = 0x6A80,
                        SW_FUNC_NOT_SUPPORTED = 0x6A81, SW_NOT_FOUND = 0x6A82, SW_WRONG_P1P2 = 0x6A86,
                        SW_REF_NOT_FOUND = 0x6A88, SW_FILE_EXISTS = 0x6A89, SW_OFFSET = 0x6B00,
                        SW_INS = 0x6D00, SW_CLA = 0x6E00, SW_AUTH_FAILED = 0x6300, SW_MEMORY = 0x6581,
                        SW_END_OF_FILE = 0x6282, SW_NO_CHAINING = 0x6884, SW_SM_MISSING = 0x6988;
inline const Bytes kMf = {0x3F, 0x00};

inline bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }
inline bool starts_with(ByteView path, ByteView prefix) {
  return path.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}
inline Bytes parent_of(ByteView path) { return Bytes(path.begin(), path.end() - 2); }
inline Bytes child(ByteView dir, ByteView fid) {
  Bytes p(dir.begin(), dir.end());
  append(p, fid);
  return p;
}
inline bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  return Botan::constant_time_compare(a.data(), b.data(), a.size());
}
// Length-prefixed fields: len1 v1 len2 v2 ...
inline std::optional<std::vector<Bytes>> split_lv(ByteView d, std::size_t count) {
  std::vector<Bytes> out;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (pos >= d.size()) return std::nullopt;
    std::size_t n = d[pos++];
    if (n > d.size() - pos) return std::nullopt;
    out.emplace_back(d.begin() + static_cast<std::ptrdiff_t>(pos), d.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  }
  if (pos != d.size()) return std::nullopt;
  return out;
}

}  // namespace akis::vcard::detail
