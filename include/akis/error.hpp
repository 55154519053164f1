// SPDX-License-Identifier: LGPL-2.1-or-later
// The error type of the card layer. Only pkcs11/ maps these to CK_RV; tools map them to messages and exit codes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace akis {

enum class Err {
  CardRemoved,           // the card left the reader (or the reader went away) during or before the command
  CardReset,             // another program reset the card: security state is lost, the caller must re-check
  NoCard,                // the reader is empty
  NoReader,              // the named reader does not exist
  NoService,             // pcscd is not running
  SharingViolation,      // another program holds the card exclusively
  WrongPin,              // 63Cx: wrong PIN/PUK; tries_left says how many remain
  PinBlocked,            // 6983: the PIN/PUK is blocked
  SecurityStatus,        // 6982: the operation needs a verified PIN or an authorisation
  ConditionsNotSatisfied,// 6985
  FileNotFound,          // 6A82
  ReferenceNotFound,     // 6A88: key or PIN reference not found
  WrongLength,           // 6700 or an Le the card cannot serve
  WrongData,             // 6A80 / 6984: the card refused the data (bad format, invalid cryptogram)
  WrongParameters,       // 6A86 / 6B00
  NotSupported,          // 6D00 / 6E00 / 6A81: the card does not know the command
  MemoryFailure,         // 6581
  CardError,             // any other status word
  Malformed,             // the card's answer does not follow the protocol
  Pcsc,                  // any other PC/SC failure
  InvalidArgument,       // a caller passed something the card layer cannot send
  SecureMessagingRequired,// 6987/6988 (6982 on VERIFY) on a family that may use ISO secure messaging: unsupported
};

const char* to_string(Err e);

class CardError : public std::runtime_error {
 public:
  CardError(Err code, std::string what, std::uint16_t sw = 0, int tries_left = -1)
      : std::runtime_error(std::move(what)), code_(code), sw_(sw), tries_left_(tries_left) {}
  Err code() const { return code_; }
  std::uint16_t sw() const { return sw_; }
  int tries_left() const { return tries_left_; }  // -1 when unknown or not applicable

 private:
  Err code_;
  std::uint16_t sw_;
  int tries_left_;
};

// The status word table: 9000 -> no throw; anything else -> CardError with the matching code.
// `context` names the command in the message ("VERIFY", "READ BINARY").
void check_sw(std::uint16_t sw, const char* context);
Err err_from_sw(std::uint16_t sw);

}  // namespace akis
