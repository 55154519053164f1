// SPDX-License-Identifier: LGPL-2.1-or-later
// A whole card's content through the card layer: the profile (discovery, every PKCS#15 file), every
// certificate and public key file, PIN status, signing and deciphering with every key, and the
// certificate summaries `akis info` prints. The card is a FakeCard (fake_card.hpp) built from the input.
#include <nlohmann/json.hpp>

#include "akis/card.hpp"
#include "akis/error.hpp"
#include "cert_summary.hpp"
#include "cli.hpp"
#include "fake_card.hpp"

using namespace akis;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto fake = std::make_shared<fuzz::FakeCard>(fuzz::FakeCard::parse(ByteView(data, size)));
  Card card(std::make_unique<fuzz::FakeTransport>(fake));
  const CardProfile* p = nullptr;
  try {
    p = &card.profile();
  } catch (const CardError&) {
    return 0;
  }
  // What `akis info --json` writes of each certificate: card text in JSON must never make it fail.
  nlohmann::json info = nlohmann::json::array();
  for (auto& c : p->certificates) {
    nlohmann::json j{{"label", c.label}, {"id", to_hex(c.id)}};
    try {
      const Bytes& der = card.certificate(c);
      try {
        cli::CertSummary s = cli::summarise_certificate(der);
        j.update({{"holder", s.holder}, {"organization", s.organization}, {"national_id", s.national_id},
                  {"issuer", s.issuer}, {"serial", s.serial}, {"key_type", s.key_type}, {"key_bits", s.key_bits},
                  {"key_usage", s.key_usage}, {"not_after", cli::iso_date(s.not_after)}});
      } catch (const std::runtime_error&) {
      }
    } catch (const CardError&) {
    }
    info.push_back(j);
  }
  info.push_back({{"token", p->token.label}, {"serial", p->token.serial}, {"maker", p->token.manufacturer}});
  (void)cli::json_text(info);
  for (auto& k : p->public_keys) {
    try { (void)card.public_key(k); } catch (const CardError&) {}
  }
  Secret pin("123456");
  for (auto& pi : p->pins) {
    try { (void)card.pin_status(pi); } catch (const CardError&) {}
    try { card.verify(pi, pin); } catch (const CardError&) {}
  }
  const Bytes digest(32, 0x11), cryptogram(256, 0x22);
  for (auto& k : p->private_keys) {
    try { (void)card.sign(k, digest); } catch (const CardError&) {}
    try { (void)card.decipher(k, cryptogram); } catch (const CardError&) {}
  }
  try { (void)card.random(20); } catch (const CardError&) {}
  try { card.logout(); } catch (const CardError&) {}
  return 0;
}
