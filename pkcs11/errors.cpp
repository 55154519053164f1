// SPDX-License-Identifier: LGPL-2.1-or-later
#include "errors.hpp"

#include "log.hpp"

namespace akis::p11 {

CK_RV to_rv(const CardError& e) {
  switch (e.code()) {
    case Err::CardRemoved:
    case Err::NoCard: return CKR_DEVICE_REMOVED;
    case Err::CardReset: return CKR_USER_NOT_LOGGED_IN;  // the module re-checked the card; the login is gone
    case Err::NoReader: return CKR_SLOT_ID_INVALID;
    case Err::NoService: return CKR_DEVICE_REMOVED;
    case Err::SharingViolation: return CKR_DEVICE_ERROR;
    case Err::WrongPin: return CKR_PIN_INCORRECT;
    case Err::PinBlocked: return CKR_PIN_LOCKED;
    case Err::SecurityStatus: return CKR_USER_NOT_LOGGED_IN;
    case Err::ConditionsNotSatisfied: return CKR_KEY_FUNCTION_NOT_PERMITTED;
    case Err::FileNotFound:
    case Err::ReferenceNotFound: return CKR_DEVICE_ERROR;
    case Err::WrongLength: return CKR_DATA_LEN_RANGE;
    case Err::WrongData: return CKR_DATA_INVALID;
    case Err::WrongParameters:
    case Err::NotSupported: return CKR_FUNCTION_FAILED;
    case Err::MemoryFailure: return CKR_DEVICE_MEMORY;
    case Err::CardError:
    case Err::Malformed:
    case Err::Pcsc: return CKR_DEVICE_ERROR;
    case Err::InvalidArgument: return CKR_ARGUMENTS_BAD;
    case Err::SecureMessagingRequired: return CKR_DEVICE_ERROR;  // listed for every function; the log says why
  }
  return CKR_GENERAL_ERROR;
}

CK_RV unexpected(const char* where, const char* what) noexcept {
  log::error("%s: unexpected error: %s", where, what);
  return CKR_GENERAL_ERROR;
}

}  // namespace akis::p11
