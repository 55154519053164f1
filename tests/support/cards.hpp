// SPDX-License-Identifier: LGPL-2.1-or-later
// Personalised virtual cards for tests, made once per test process (RSA key generation is slow).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "card_state.hpp"
#include "in_process.hpp"
#include "personalise.hpp"

namespace akis::test {

enum class Variant {
  Pre2011,        // NES, PUK, RSA + EC + second RSA pair
  Post2011,       // NES, issuer unblock, RSA only
  Seal,           // Mali Mühür, two RSA pairs, post-2011
  IdCard,         // no e-signature application
  AlwaysAuth,     // signing key with user consent
};

// A directory for this test process (removed at exit).
const std::string& temp_dir();
// The CA every test card is issued by, and the issuer master key for online unblock.
std::string ca_cert_path();
std::string issuer_master_path();
const vcard::CardState& card_state(Variant v);
vcard::PersonaliseOptions options_for(Variant v);

struct InProcessCard {
  std::shared_ptr<vcard::VirtualCard> card;
  vcard::InProcessTransport* transport = nullptr;  // owned by whoever holds the unique_ptr below
  std::unique_ptr<vcard::InProcessTransport> owned;
};
InProcessCard make_card(Variant v, bool t0 = false, const std::string& save_path = {});

// Personalities (quirks.hpp): one key material per family and unblock kind, made once per test process
// (RSA-2048 on every family, plus EC P-256 on 2x), and cards built from it with the family rules and quirks.
// `puk`: a pre-2011 card with a PUK (1.0 cards always have one); false: unblocked online by the issuer.
vcard::PersonaliseOptions personality_options(const std::string& family, const std::vector<std::string>& quirks,
                                              bool puk = true);
const vcard::CardMaterial& material_for(const std::string& family, bool puk = true);
vcard::CardState personality_state(const std::string& family, const std::vector<std::string>& quirks,
                                   bool puk = true);

}  // namespace akis::test
