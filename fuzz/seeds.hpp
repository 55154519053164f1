// SPDX-License-Identifier: LGPL-2.1-or-later
// Hand-made seeds of the corpus generator: the known bugs, derived from a real personalised card, and the
// inputs that do not come from a card (configuration files, HTTP requests to the unlock service).
#pragma once

#include <functional>
#include <string>

#include "card_state.hpp"
#include "fake_card.hpp"

namespace akis::fuzz {

// write(corpus, file name, contents)
using Writer = std::function<void(const std::string&, const std::string&, ByteView)>;

// From a card with a deciphering RSA key: a hostile FCI size, an RSA certificate with a modulus of 0 whose
// key deciphers to a bare 90 00, a PrKDF modulusLength of 2^40, a certificate label that is not UTF-8.
void write_bug_seeds(const vcard::CardState& s, const FakeCard& fake, const Writer& write);
void write_hand_seeds(const Writer& write);

}  // namespace akis::fuzz
