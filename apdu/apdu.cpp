// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/apdu.hpp"

#include "akis/error.hpp"

namespace akis {

Command::~Command() {
  if (sensitive) secure_wipe(data.data(), data.size());
}

Bytes Command::encode() const {
  Bytes out{cla, ins, p1, p2};
  const bool extended = data.size() > 255 || (le && *le > 256);
  if (extended) {
    if (data.size() > 65535 || (le && *le > 65536))
      throw CardError(Err::InvalidArgument, "APDU too long");
    out.push_back(0x00);
    if (!data.empty()) {
      out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
      out.push_back(static_cast<std::uint8_t>(data.size()));
      append(out, data);
    }
    if (le) {
      std::size_t v = *le == 65536 ? 0 : *le;
      out.push_back(static_cast<std::uint8_t>(v >> 8));
      out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
  }
  if (!data.empty()) {
    out.push_back(static_cast<std::uint8_t>(data.size()));
    append(out, data);
  }
  if (le) out.push_back(static_cast<std::uint8_t>(*le == 256 ? 0 : *le));
  return out;
}

Response parse_response(ByteView raw) {
  if (raw.size() < 2) throw CardError(Err::Malformed, "card response shorter than a status word");
  Response r;
  r.data.assign(raw.begin(), raw.end() - 2);
  r.sw = be16(raw, raw.size() - 2);
  return r;
}

std::optional<Command> parse_command(ByteView raw) {
  if (raw.size() < 4) return std::nullopt;
  Command c;
  c.cla = raw[0];
  c.ins = raw[1];
  c.p1 = raw[2];
  c.p2 = raw[3];
  const std::size_t n = raw.size() - 4;
  auto body = raw.subspan(4);
  if (n == 0) return c;                                   // case 1
  if (n == 1) {                                           // case 2 short
    c.le = body[0] ? body[0] : 256;
    return c;
  }
  if (body[0] != 0) {                                     // short lc
    std::size_t lc = body[0];
    if (n == 1 + lc) {                                    // case 3 short
      c.data.assign(body.begin() + 1, body.end());
      return c;
    }
    if (n == 2 + lc) {                                    // case 4 short
      c.data.assign(body.begin() + 1, body.begin() + 1 + static_cast<std::ptrdiff_t>(lc));
      c.le = body[1 + lc] ? body[1 + lc] : 256;
      return c;
    }
    return std::nullopt;
  }
  // extended forms start with 00
  if (n == 3) {                                           // case 2 extended
    std::size_t le = be16(body, 1);
    c.le = le ? le : 65536;
    return c;
  }
  if (n < 3) return std::nullopt;
  std::size_t lc = be16(body, 1);
  if (lc == 0) return std::nullopt;
  if (n == 3 + lc) {
    c.data.assign(body.begin() + 3, body.end());
    return c;
  }
  if (n == 5 + lc) {
    c.data.assign(body.begin() + 3, body.begin() + 3 + static_cast<std::ptrdiff_t>(lc));
    std::size_t le = be16(body, 3 + lc);
    c.le = le ? le : 65536;
    return c;
  }
  return std::nullopt;
}

}  // namespace akis
