// SPDX-License-Identifier: LGPL-2.1-or-later
// ISO/IEC 7816-4 command and response APDUs.
#pragma once

#include <optional>

#include "akis/bytes.hpp"

namespace akis {

struct Command {
  std::uint8_t cla = 0x00;
  std::uint8_t ins = 0x00;
  std::uint8_t p1 = 0x00;
  std::uint8_t p2 = 0x00;
  Bytes data;
  std::optional<std::size_t> le;  // expected response length; 256 (short) is encoded as 00
  bool sensitive = false;         // data is a secret: redacted in traces and wiped after sending
  bool sensitive_response = false;// response data is a secret (deciphered plaintext)

  // Short APDU encoding when data <= 255 and le <= 256, extended otherwise (ISO 7816-4 5.1).
  Bytes encode() const;

  Command() = default;
  Command(const Command&) = default;
  Command(Command&&) = default;
  Command& operator=(const Command&) = default;
  Command& operator=(Command&&) = default;
  ~Command();  // wipes data when sensitive
};

struct Response {
  Bytes data;
  std::uint16_t sw = 0;
  std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
  std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xFF); }
  bool ok() const { return sw == 0x9000; }
};

// Splits raw bytes from the reader into data and status word. Throws CardError(Malformed) under 2 bytes.
Response parse_response(ByteView raw);

// Parses a command APDU (the virtual card's side). Returns nullopt for anything not well formed.
std::optional<Command> parse_command(ByteView raw);

}  // namespace akis
