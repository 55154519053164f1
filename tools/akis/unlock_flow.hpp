// SPDX-License-Identifier: LGPL-2.1-or-later
// The online unlock of post-2011 cards (docs/unlock-protocol.md) as one library function that `akis unlock`
// and akis-gui's "Online unlock" dialog both run: check the code with the service, choose the card, read the
// issuer key's try counter, take the new PIN, GET CHALLENGE -> service -> EXTERNAL AUTHENTICATE -> RESET RETRY
// COUNTER. The caller only supplies the words and the input (UnlockPrompts): the terminal or a dialog.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "akis/card.hpp"

namespace akis::cli {

inline constexpr const char* kDefaultUnlockService = "https://127.0.0.1:8443";  // `akis unlock --service`

struct UnlockRequest {
  std::string service_url = kDefaultUnlockService;  // must be https://
  std::string ca_file;                              // empty: the system's CA store
  std::string reader;                               // as --reader (exact name or a part; empty: every reader)
};

struct UnlockCandidate {
  std::string reader;
  std::string serial;  // hex
};

// What the flow asks of its caller. Every call comes from the thread that runs unlock_online().
class UnlockPrompts {
 public:
  virtual ~UnlockPrompts() = default;
  // The verification code as typed or pasted (spaces and dashes are dropped by the flow).
  virtual std::string code() = 0;
  // A line of progress in the user's language: contacting the service, the code's time left, the issuer key's
  // tries.
  virtual void progress(const std::string& line) = 0;
  // The code's validity in seconds from now, as the service reported it at the check (and again before the new
  // PIN is asked). By default a progress line (`akis unlock`'s output); akis-gui runs a countdown with it.
  virtual void time_left(long seconds);
  // Several e-signature cards are present (two or more): the index of the one to unlock. Throw Failure to stop.
  virtual std::size_t choose(const std::vector<UnlockCandidate>& cards) = 0;
  // The new PIN (asked once the code is known to be live and the card chosen). The flow checks it against the
  // card's policy before anything reaches the card; throw Failure to stop.
  virtual Secret new_pin(const PinInfo& pin) = 0;
};

// "123 456-789..." -> "123456789...".
std::string normalise_code(std::string_view typed);
// Throws Failure(kBadInput, ErrCodeFormat) unless the code is 15 digits.
void check_code_format(const std::string& code);
// Throws Failure(kUsage, ErrNeedsHttps) unless the address starts with https://.
void check_service_url(const std::string& url);

// Runs the whole unlock. Returns when the card holds the new PIN with its tries reset; every refusal (service,
// card, input) is a Failure with the user's message and `akis unlock`'s exit code. A refused code or a refusal
// of the service before the authorisation sends the card nothing that spends a try. A code whose time ran out
// after the check is not sent for the authorisation (Failure kCodeExpired, ErrCodeExpired).
void unlock_online(const UnlockRequest& request, UnlockPrompts& prompts);

}  // namespace akis::cli
