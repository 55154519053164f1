// SPDX-License-Identifier: LGPL-2.1-or-later
// Connects a VirtualCard to pcscd's vpcd driver (vsmartcard): a TCP client speaking vpcd's
// length-prefixed protocol. A disconnect is a card removal, a (re)connect an insertion.
#pragma once

#include <atomic>
#include <string>

#include "virtual_card.hpp"

namespace akis::vcard {

struct LinkOptions {
  std::string host = "127.0.0.1";
  int port = 35963;            // first vpcd reader; 35964 for the second
  Latency latency;             // simulated card timing
  std::string trace_path;      // APDU trace of the card side (secrets redacted); empty: none
};

// Runs until `stop` becomes true. `inserted` false: stays disconnected (card pulled out) until true again.
// Reconnects when pcscd goes away and comes back. Returns 0, or 1 on a fatal error.
int run_vpcd(VirtualCard& card, const LinkOptions& opts, const std::atomic<bool>& stop,
             const std::atomic<bool>& inserted);

}  // namespace akis::vcard
