// SPDX-License-Identifier: LGPL-2.1-or-later
// A Card over the in-process virtual card of one family and quirks, with every APDU recorded.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "akis/card.hpp"
#include "cards.hpp"
#include "recording_transport.hpp"

namespace akis::test {

struct Rig {
  Rig(const std::string& family, const std::vector<std::string>& quirks, std::optional<Bytes> atr = std::nullopt)
      : vc(std::make_shared<vcard::VirtualCard>(personality_state(family, quirks))) {
    auto inner = std::make_unique<vcard::InProcessTransport>(vc);
    in = inner.get();
    auto recording = std::make_unique<RecordingTransport>(std::move(inner), std::move(atr));
    rec = recording.get();
    card = std::make_unique<Card>(std::move(recording));
  }
  // The card's own retry counter for a PIN reference (-1: no such PIN).
  int tries(std::uint8_t ref) const {
    for (auto& p : vc->state().pins)
      if (p.ref == ref) return p.tries_left;
    return -1;
  }

  std::shared_ptr<vcard::VirtualCard> vc;
  vcard::InProcessTransport* in = nullptr;
  RecordingTransport* rec = nullptr;
  std::unique_ptr<Card> card;
};

}  // namespace akis::test
