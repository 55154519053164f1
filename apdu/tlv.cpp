// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/tlv.hpp"

#include "akis/error.hpp"

namespace akis {

namespace {
[[noreturn]] void malformed(const char* why) { throw CardError(Err::Malformed, std::string("BER-TLV: ") + why); }
}  // namespace

Tlv parse_tlv(ByteView in, std::size_t& consumed) {
  std::size_t pos = 0;
  if (in.empty()) malformed("empty input");
  Tlv t;
  std::uint8_t first = in[pos++];
  t.constructed = (first & 0x20) != 0;
  t.tag = first;
  if ((first & 0x1F) == 0x1F) {  // multi-byte tag
    int n = 0;
    for (;;) {
      if (pos >= in.size()) malformed("truncated tag");
      if (++n > 3) malformed("tag longer than 4 bytes");
      std::uint8_t b = in[pos++];
      t.tag = (t.tag << 8) | b;
      if (!(b & 0x80)) break;
    }
  }
  if (pos >= in.size()) malformed("missing length");
  std::size_t len = in[pos++];
  if (len & 0x80) {
    std::size_t nbytes = len & 0x7F;
    if (nbytes == 0) malformed("indefinite length");
    if (nbytes > 3) malformed("length field too long");
    if (pos + nbytes > in.size()) malformed("truncated length");
    len = 0;
    for (std::size_t i = 0; i < nbytes; ++i) len = (len << 8) | in[pos++];
  }
  if (len > in.size() - pos) malformed("value runs past the end");
  t.value = in.subspan(pos, len);
  t.whole = in.subspan(0, pos + len);
  consumed = pos + len;
  return t;
}

std::vector<Tlv> parse_tlvs(ByteView in) {
  std::vector<Tlv> out;
  std::size_t pos = 0;
  while (pos < in.size()) {
    if (in[pos] == 0x00 || in[pos] == 0xFF) {  // padding after the last object
      bool rest_is_padding = true;
      for (std::size_t i = pos; i < in.size(); ++i)
        if (in[i] != in[pos]) rest_is_padding = false;
      if (rest_is_padding) break;
    }
    std::size_t used = 0;
    out.push_back(parse_tlv(in.subspan(pos), used));
    pos += used;
  }
  return out;
}

std::optional<Tlv> find_tlv(ByteView in, std::uint32_t tag) {
  for (auto& t : parse_tlvs(in))
    if (t.tag == tag) return t;
  return std::nullopt;
}

std::vector<Tlv> Tlv::children() const {
  if (!constructed) malformed("primitive value has no children");
  return parse_tlvs(value);
}

std::optional<Tlv> Tlv::find(std::uint32_t t) const {
  for (auto& c : children())
    if (c.tag == t) return c;
  return std::nullopt;
}

std::uint64_t Tlv::as_uint() const {
  if (value.empty() || value.size() > 9) malformed("integer size");
  std::size_t start = 0;
  if (value.size() == 9) {
    if (value[0] != 0) malformed("integer too large");
    start = 1;
  }
  if (value[0] & 0x80) malformed("negative integer");
  std::uint64_t v = 0;
  for (std::size_t i = start; i < value.size(); ++i) v = (v << 8) | value[i];
  return v;
}

std::string Tlv::as_string() const { return std::string(value.begin(), value.end()); }

bool Tlv::as_bool() const {
  if (value.size() != 1) malformed("boolean size");
  return value[0] != 0;
}

Bytes encode_tlv(std::uint32_t tag, ByteView value) {
  Bytes out;
  if (tag > 0xFFFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 24));
  if (tag > 0xFFFF) out.push_back(static_cast<std::uint8_t>(tag >> 16));
  if (tag > 0xFF) out.push_back(static_cast<std::uint8_t>(tag >> 8));
  out.push_back(static_cast<std::uint8_t>(tag));
  std::size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFF) {
    out.push_back(0x81);
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(0x82);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(0x83);
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  }
  append(out, value);
  return out;
}

}  // namespace akis
