// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/error.hpp"

#include <cstdio>

namespace akis {

const char* to_string(Err e) {
  switch (e) {
    case Err::CardRemoved: return "card removed";
    case Err::CardReset: return "card reset by another program";
    case Err::NoCard: return "no card in the reader";
    case Err::NoReader: return "reader not found";
    case Err::NoService: return "PC/SC service (pcscd) not running";
    case Err::SharingViolation: return "card in exclusive use by another program";
    case Err::WrongPin: return "wrong PIN";
    case Err::PinBlocked: return "PIN blocked";
    case Err::SecurityStatus: return "security status not satisfied";
    case Err::ConditionsNotSatisfied: return "conditions of use not satisfied";
    case Err::FileNotFound: return "file or application not found";
    case Err::ReferenceNotFound: return "referenced key or PIN not found";
    case Err::WrongLength: return "wrong length";
    case Err::WrongData: return "data refused by the card";
    case Err::WrongParameters: return "wrong parameters";
    case Err::NotSupported: return "command not supported by the card";
    case Err::MemoryFailure: return "card memory failure";
    case Err::CardError: return "card error";
    case Err::Malformed: return "malformed card response";
    case Err::Pcsc: return "PC/SC error";
    case Err::InvalidArgument: return "invalid argument";
    case Err::SecureMessagingRequired: return "this card version needs secure messaging, not supported yet";
  }
  return "unknown error";
}

Err err_from_sw(std::uint16_t sw) {
  if ((sw & 0xFFF0) == 0x63C0) return Err::WrongPin;
  switch (sw) {
    case 0x6300: return Err::WrongData;  // authentication failed (EXTERNAL AUTHENTICATE)
    case 0x6581: return Err::MemoryFailure;
    case 0x6700: return Err::WrongLength;
    case 0x6982: return Err::SecurityStatus;
    case 0x6983: return Err::PinBlocked;
    case 0x6984: return Err::WrongData;
    case 0x6985: return Err::ConditionsNotSatisfied;
    case 0x6986: return Err::ConditionsNotSatisfied;
    case 0x6A80: return Err::WrongData;
    case 0x6A81: return Err::NotSupported;
    case 0x6A82: return Err::FileNotFound;
    case 0x6A86: return Err::WrongParameters;
    case 0x6A88: return Err::ReferenceNotFound;
    case 0x6B00: return Err::WrongParameters;
    case 0x6D00: return Err::NotSupported;
    case 0x6E00: return Err::NotSupported;
    default: break;
  }
  if ((sw & 0xFF00) == 0x6C00) return Err::WrongLength;
  return Err::CardError;
}

void check_sw(std::uint16_t sw, const char* context) {
  if (sw == 0x9000) return;
  char buf[160];
  Err e = err_from_sw(sw);
  int tries = (sw & 0xFFF0) == 0x63C0 ? (sw & 0x0F) : -1;
  if (e == Err::PinBlocked) tries = 0;
  std::snprintf(buf, sizeof buf, "%s: %s (SW %04X)", context, to_string(e), sw);
  throw CardError(e, buf, sw, tries);
}

}  // namespace akis
