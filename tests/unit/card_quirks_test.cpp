// SPDX-License-Identifier: LGPL-2.1-or-later
// Every card-layer quirk of the virtual card (tools/vcard/quirks.hpp) on every family it exists on, through the
// Card facade in-process: the profile is read, certificates come back as exactly their DER, the PIN verifies,
// every key signs a signature OpenSSL accepts (PKCS#11 shapes: RSA modulus length, ECDSA r||s), and the card's
// counters show that no try was spent.
#include <gtest/gtest.h>

#include "akis/card.hpp"
#include "akis/error.hpp"
#include "card_rig.hpp"
#include "ossl.hpp"
#include "personality_support.hpp"
#include "quirks.hpp"

using namespace akis;
using akis::test::Rig;

namespace {

struct Case {
  std::string family;
  std::vector<std::string> quirks;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const char* fam : {"1.0", "1x", "2x"}) {
    out.push_back({fam, {}});
    for (auto& q : vcard::all_quirks()) {
      if (std::string(q.name) == "secure-messaging") continue;  // its own test: nothing works in plain
      if (q.only_family && std::string(q.only_family) != fam) continue;
      if (q.needs_ec && std::string(fam) != "2x") continue;  // EC keys exist on the 2x personalities only
      out.push_back({fam, {q.name}});
    }
  }
  // Quirks together, as a real card would have several.
  out.push_back({"2x", {"fci-no-size", "read-cap-128", "paths-need-mf", "odf-relative-paths", "cert-padded"}});
  out.push_back({"1.0", {"app-by-efdir", "read-le-strict", "get-data-refused", "fci-no-security"}});
  out.push_back({"2x", {"app-by-path-only", "read-6cxx", "ecdsa-der", "rsa-short-sig", "pin-padded"}});
  return out;
}

std::string name_of(const testing::TestParamInfo<Case>& info) {
  std::string n = info.param.family == "1.0" ? "v10" : "v" + info.param.family;
  for (auto& q : info.param.quirks) n += "_" + q;
  for (auto& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class CardQuirks : public testing::TestWithParam<Case> {};

TEST_P(CardQuirks, ProfileCertificatesPinAndSignatures) {
  const Case& c = GetParam();
  Rig r(c.family, c.quirks);
  const CardProfile& p = r.card->profile();
  EXPECT_TRUE(p.skipped.empty()) << testing::PrintToString(p.skipped);
  EXPECT_EQ(p.card_serial, r.vc->state().serial);
  const vcard::CardMaterial& material = test::material_for(c.family);
  ASSERT_GE(p.certificates.size(), material.keys.size());
  for (auto& cert : p.certificates) {
    test::MaterialKey km = test::find_material(material, cert.id);
    if (km.cert_der.empty()) {  // a certificate without a key of its own: the issuer's (CA) certificate
      EXPECT_TRUE(cert.authority) << "certificate " << to_hex(cert.id);
      EXPECT_FALSE(test::cert_subject(r.card->certificate(cert)).empty());
      continue;
    }
    EXPECT_EQ(r.card->certificate(cert), km.cert_der) << "certificate " << to_hex(cert.id);
  }
  const PinInfo& pin = *p.user_pin();
  r.card->verify(pin, Secret("123456"));
  ASSERT_EQ(p.private_keys.size(), material.keys.size());
  for (auto& key : p.private_keys) {
    test::MaterialKey km = test::find_material(material, key.id);
    std::vector<Bytes> messages = {to_bytes("kart katmani")};
    if (km.rsa) messages.push_back(test::message_with_leading_zero_signature(km.pkcs8));
    for (auto& m : messages) {
      Bytes input = km.rsa ? test::sha256_digest_info(m) : test::sha256(m);
      Bytes sig = r.card->sign(key, input);
      EXPECT_EQ(sig.size(), km.rsa ? key.bits / 8 : 2 * ((key.bits + 7) / 8));
      EXPECT_TRUE(test::verify_with_cert(km.cert_der, m, sig, "SHA256", km.rsa ? "pkcs1" : "ecdsa-raw"))
          << "key " << to_hex(key.id);
    }
  }
  EXPECT_EQ(r.tries(pin.reference), 3);
  if (const PinInfo* puk = p.puk()) {
    EXPECT_EQ(r.tries(puk->reference), 3);
  }
}

INSTANTIATE_TEST_SUITE_P(Personalities, CardQuirks, testing::ValuesIn(cases()), name_of);

}  // namespace
