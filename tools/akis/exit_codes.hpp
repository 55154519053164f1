// SPDX-License-Identifier: LGPL-2.1-or-later
// Exit codes of `akis` (documented in docs/akis.1 and the user guide). Scripts rely on them: never renumber.
#pragma once

namespace akis::cli {

enum Exit : int {
  kOk = 0,
  kUsage = 1,            // bad arguments
  kNoService = 2,        // pcscd is not running
  kNoReader = 3,         // no reader, or the named reader does not exist
  kNoCard = 4,           // the reader is empty
  kUnknownCard = 5,      // a card that is not an AKİS e-signature card (for example an ID card)
  kCardRemoved = 6,      // the card was pulled out during the command
  kWrongPin = 7,         // wrong PIN or PUK (tries remain)
  kBlocked = 8,          // PIN or PUK blocked
  kBadInput = 9,         // the new PIN breaks the policy, or the two entries differ
  kDeclined = 10,        // the user declined a confirmation (or none could be asked)
  kCardError = 11,       // any other card or reader error
  kNotPossible = 12,     // the card cannot do it (e.g. PUK unblock on a card without PUK); setup: no profile/tool
  kNotRegistered = 13,   // akis setup --check: the module is missing from some profile
  kSetupFailed = 14,     // akis setup: some profile could not be changed (program open, modutil failed)
  // online unlock (akis unlock)
  kCodeExpired = 20,
  kCodeUsed = 21,
  kCodeInvalid = 22,     // unknown code, code of another account, or too many guesses
  kWrongCard = 23,       // the code was issued for another card
  kCardRevoked = 24,     // the card is suspended or revoked
  kServiceUnreachable = 25,
  kServiceError = 26,
  // akis verify (akis sign uses the card codes above)
  kSignatureInvalid = 30,  // the document or the signature was changed, or the signature is broken
  kUntrustedSigner = 31,   // intact, but the certificate chain does not lead to a --ca anchor
  kChainNotChecked = 32,   // intact; no --ca was given, so the signer was not checked
  kTimestampInvalid = 33,  // the RFC 3161 timestamp does not match or does not verify
  kBadSignatureFile = 34,  // not a signature (or a detached one without --data), unreadable file
};

}  // namespace akis::cli
