// SPDX-License-Identifier: LGPL-2.1-or-later
// BER-TLV (ISO/IEC 7816-4 annex D, X.690) reading for card responses and PKCS#15 files.
// Every parser here works on untrusted bytes: out-of-range lengths throw CardError(Malformed).
#pragma once

#include <optional>
#include <vector>

#include "akis/bytes.hpp"

namespace akis {

struct Tlv {
  std::uint32_t tag = 0;      // tag bytes as written, e.g. 0x30, 0xA1, 0x5F20
  bool constructed = false;
  ByteView value;             // view into the parsed buffer: keep the buffer alive
  ByteView whole;             // tag + length + value

  // Children of a constructed TLV.
  std::vector<Tlv> children() const;
  // First child with this tag, if any.
  std::optional<Tlv> find(std::uint32_t tag) const;
  std::uint64_t as_uint() const;   // INTEGER / ENUMERATED up to 8 bytes, non-negative
  std::string as_string() const;   // UTF8String / PrintableString bytes
  bool as_bool() const;
  Bytes bytes() const { return Bytes(value.begin(), value.end()); }
};

// Parses one TLV at the start of `in`; `consumed` receives its full size.
Tlv parse_tlv(ByteView in, std::size_t& consumed);
// Parses a sequence of TLVs filling `in`. Trailing 00 or FF padding (unused file space) is ignored.
std::vector<Tlv> parse_tlvs(ByteView in);
// First TLV with `tag` at the top level of `in`.
std::optional<Tlv> find_tlv(ByteView in, std::uint32_t tag);

// Encoding helpers (short and long definite lengths).
Bytes encode_tlv(std::uint32_t tag, ByteView value);

}  // namespace akis
