// SPDX-License-Identifier: LGPL-2.1-or-later
// Every personality of the virtual card (each family alone, each quirk alone on every family) through the real pcscd and the
// built PKCS#11 module loaded with dlopen: certificates (exact DER), login, signatures that OpenSSL verifies,
// PIN change, a deliberately wrong PIN, blocking and unblocking with the PUK (C_Login(CKU_SO) + C_InitPIN).
// After every step the card's own state file must show that no PIN or PUK try was spent except by the
// deliberately wrong PINs.
#include <dlfcn.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "ossl.hpp"
#include "p11.hpp"
#include "pcsc_fixture.hpp"
#include "personality_support.hpp"
#include "quirks.hpp"

using namespace akis;
using namespace akis::test;

namespace {

struct Case {
  std::string family;
  std::vector<std::string> quirks;  // empty: the family alone
  bool puk = true;                  // false: a post-2011 card (unblocked online, no PUK)
  std::string name;                 // for combinations
};

std::string joined(const std::vector<std::string>& q, const char* sep) {
  std::string out;
  for (auto& s : q) out += (out.empty() ? "" : sep) + s;
  return out;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.family << (c.quirks.empty() ? "" : " + " + joined(c.quirks, " + ")) << (c.puk ? " (PUK)" : " (post-2011)");
}

// Each family alone (with and without a PUK), then each quirk alone on 2x.
std::vector<Case> family_cases() {
  return {{"1.0", {}, true, ""}, {"1x", {}, true, ""}, {"2x", {}, true, ""}, {"1x", {}, false, ""}, {"2x", {}, false, ""}};
}
std::vector<Case> quirk_cases(const std::string& family) {
  std::vector<Case> out;
  for (auto& q : vcard::all_quirks())
    if (vcard::quirk_allowed(q, family) && (family == "2x" || !q.needs_ec) && q.name != std::string("secure-messaging"))
      out.push_back({family, {q.name}, true, ""});
  return out;
}
// Several quirks on one card: a real card diverges in more than one way at once.
std::vector<Case> combination_cases() {
  return {
      {"2x", {"fci-no-size", "read-cap-128", "cert-padded"}, true, "unknown_sizes_short_reads_padded_certs"},
      {"2x", {"app-by-efdir", "odf-relative-paths", "paths-need-mf", "no-pukdf", "issuer-cert", "directory-padded"},
       true, "efdir_relative_paths_padded_directory"},
      {"2x", {"pin-padded", "no-pin-reference", "pin-min-0", "pin-status-refused"}, true, "pin_encoding"},
      {"2x", {"no-key-reference", "key-path-select", "rsa-short-sig", "ecdsa-der", "ec-explicit-params", "empty-path"},
       true, "keys_by_path_odd_signatures"},
      {"2x", {"fci-no-security", "fcp-template", "fci-extra-tags", "get-data-short", "cla80-refused", "short-responses",
              "no-chaining", "read-le-strict"}, true, "iso_only_terse_card"},
      {"1.0", {"fci-no-size", "read-6cxx", "get-data-refused", "cert-direct-value", "verify-empty-spends"}, true,
       "old_card_no_sizes_no_get_data"},
      {"1x", {"app-by-aid-only", "read-6282", "pin-padded", "verify-empty-spends", "issuer-cert"}, false,
       "aid_padded_pin"},
  };
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const auto& c = info.param;
  std::string n = (c.family == "1.0" ? "v1_0" : "v" + c.family) + "_" +
                  (!c.name.empty() ? c.name : c.quirks.empty() ? "plain" : joined(c.quirks, "_")) +
                  (c.puk ? "" : "_post2011");
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

class Personality : public PcscTest, public ::testing::WithParamInterface<Case> {
 protected:
  static void SetUpTestSuite() {
    PcscTest::SetUpTestSuite();
    module_ = new LoadedP11(AKIS_MODULE_PATH);
  }
  static void TearDownTestSuite() {
    delete module_;
    module_ = nullptr;
    PcscTest::TearDownTestSuite();
  }
  void TearDown() override {
    module_->f->C_Finalize(nullptr);
    PcscTest::TearDown();
  }
  const std::vector<std::string>& quirks() const { return GetParam().quirks; }
  static inline LoadedP11* module_ = nullptr;
};

TEST_P(Personality, WholeFlowSpendsNoTryButTheWrongPins) {
  const auto& family = GetParam().family;
  const bool puk = GetParam().puk;
  const auto& material = material_for(family, puk);
  const std::string state = insert_state(personality_state(family, quirks(), puk));
  P11Flow p(*module_->f);
  auto tries = [&] { return read_tries(state); };
  const Tries full{3, puk ? 3 : -1};

  ASSERT_EQ(p.f.C_Initialize(nullptr), CKR_OK);
  CK_SLOT_ID slot = 0;
  ASSERT_TRUE(p.slot_with_token(slot)) << "no token for this card";
  CK_TOKEN_INFO ti;
  ASSERT_EQ(p.f.C_GetTokenInfo(slot, &ti), CKR_OK);
  EXPECT_EQ(tries(), full) << "C_GetTokenInfo";
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(p.f.C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &h), CKR_OK);

  // Certificates: exactly the DER the card was personalised with.
  std::set<Bytes> expected, seen;
  for (auto& k : material.keys) expected.insert(k.cert_der);
  if (vcard::has_quirk(quirks(), "issuer-cert")) expected.insert(material.issuer_cert_der);
  for (auto o : p.find(h, CKO_CERTIFICATE)) seen.insert(p.attr(h, o, CKA_VALUE));
  EXPECT_EQ(seen, expected);

  ASSERT_EQ(p.login(h, CKU_USER, "123456"), CKR_OK);
  EXPECT_EQ(tries(), full) << "C_Login";

  // Every private key signs; OpenSSL verifies with the certificate of the same CKA_ID.
  std::size_t signed_keys = 0;
  for (auto key : p.find(h, CKO_PRIVATE_KEY)) {
    const Bytes id = p.attr(h, key, CKA_ID);
    const MaterialKey km = find_material(material, id);
    ASSERT_FALSE(km.cert_der.empty()) << "a private key without a certificate of the same CKA_ID";
    std::vector<Bytes> messages = {to_bytes("kişilik matrisi imzası")};
    if (km.rsa) messages.push_back(message_with_leading_zero_signature(km.pkcs8));
    for (auto& msg : messages) {
      Bytes sig;
      ASSERT_EQ(p.sign(h, key, km.rsa ? CKM_SHA256_RSA_PKCS : CKM_ECDSA_SHA256, msg, sig), CKR_OK);
      if (km.rsa) {
        EXPECT_EQ(sig.size(), 256u) << "PKCS#11 RSA signatures have the modulus length";
      }
      EXPECT_TRUE(verify_with_cert(km.cert_der, msg, sig, "SHA256", km.rsa ? "pkcs1" : "ecdsa-raw"));
    }
    ++signed_keys;
  }
  EXPECT_EQ(signed_keys, material.keys.size());
  EXPECT_EQ(tries(), full) << "signing";

  // PIN change; the new PIN works.
  EXPECT_EQ(p.set_pin(h, "123456", "24680135"), CKR_OK);
  EXPECT_EQ(tries(), full) << "C_SetPIN";
  EXPECT_EQ(p.f.C_Logout(h), CKR_OK);
  EXPECT_EQ(p.login(h, CKU_USER, "24680135"), CKR_OK);
  EXPECT_EQ(tries(), full) << "login with the new PIN";
  EXPECT_EQ(p.f.C_Logout(h), CKR_OK);

  // One deliberately wrong PIN costs exactly one try; the right one restores the counter.
  EXPECT_EQ(p.login(h, CKU_USER, "000000"), CKR_PIN_INCORRECT);
  EXPECT_EQ(tries(), (Tries{2, full.puk})) << "one wrong PIN";
  EXPECT_EQ(p.login(h, CKU_USER, "24680135"), CKR_OK);
  EXPECT_EQ(tries(), full);
  EXPECT_EQ(p.f.C_Logout(h), CKR_OK);

  if (!puk) {  // no PUK: the SO cannot log in, and trying costs nothing
    EXPECT_NE(p.login(h, CKU_SO, "87654321"), CKR_OK);
    EXPECT_EQ(tries(), full) << "SO login on a card without a PUK";
    EXPECT_EQ(p.f.C_CloseSession(h), CKR_OK);
    return;
  }
  // Block the PIN with three wrong ones, unblock with the PUK, log in with the PIN set by C_InitPIN.
  EXPECT_EQ(p.login(h, CKU_USER, "000000"), CKR_PIN_INCORRECT);
  EXPECT_EQ(p.login(h, CKU_USER, "000000"), CKR_PIN_INCORRECT);
  CK_RV third = p.login(h, CKU_USER, "000000");
  EXPECT_TRUE(third == CKR_PIN_INCORRECT || third == CKR_PIN_LOCKED) << std::hex << third;
  EXPECT_EQ(tries(), (Tries{0, 3})) << "three wrong PINs";
  EXPECT_EQ(p.login(h, CKU_USER, "24680135"), CKR_PIN_LOCKED);
  EXPECT_EQ(tries(), (Tries{0, 3})) << "a blocked PIN";
  ASSERT_EQ(p.login(h, CKU_SO, "87654321"), CKR_OK);
  EXPECT_EQ(p.init_pin(h, "97531864"), CKR_OK);
  EXPECT_EQ(p.f.C_Logout(h), CKR_OK);
  EXPECT_EQ(tries(), full) << "unblock";
  EXPECT_EQ(p.login(h, CKU_USER, "97531864"), CKR_OK);
  EXPECT_EQ(tries(), full) << "login after unblock";
  EXPECT_EQ(p.f.C_CloseSession(h), CKR_OK);
}

INSTANTIATE_TEST_SUITE_P(Families, Personality, ::testing::ValuesIn(family_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Quirks, Personality, ::testing::ValuesIn(quirk_cases("2x")), case_name);
INSTANTIATE_TEST_SUITE_P(QuirksOnV1_0, Personality, ::testing::ValuesIn(quirk_cases("1.0")), case_name);
INSTANTIATE_TEST_SUITE_P(QuirksOn1x, Personality, ::testing::ValuesIn(quirk_cases("1x")), case_name);
INSTANTIATE_TEST_SUITE_P(Combinations, Personality, ::testing::ValuesIn(combination_cases()), case_name);

// DECIPHER: the raw RSA result always starts with 00 (PKCS#1 type 2 and OAEP blocks do); a card that strips
// leading zeros answers one byte short, and the plaintext must come out the same.
class Decipher : public PcscTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(Decipher, PlaintextWithPkcs1AndOaep) {
  auto o = options_for(Variant::Pre2011);  // 2x, a second RSA pair for encryption
  static const vcard::CardMaterial material = vcard::make_material(o);
  if (!GetParam().empty()) o.quirks = {GetParam()};
  const std::string state = insert_state(vcard::build_card(o, material));
  LoadedP11 module(AKIS_MODULE_PATH);
  P11Flow p(*module.f);
  ASSERT_EQ(p.f.C_Initialize(nullptr), CKR_OK);
  CK_SLOT_ID slot = 0;
  ASSERT_TRUE(p.slot_with_token(slot));
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(p.f.C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
  ASSERT_EQ(p.login(h, CKU_USER, "123456"), CKR_OK);
  std::size_t decrypted = 0;
  for (auto key : p.find(h, CKO_PRIVATE_KEY)) {
    Bytes can = p.attr(h, key, CKA_DECRYPT);
    if (can.empty() || !can[0]) continue;
    const MaterialKey km = find_material(material, p.attr(h, key, CKA_ID));
    for (bool oaep : {false, true}) {
      const Bytes plain = to_bytes(oaep ? "OAEP ile şifreli" : "PKCS#1 ile şifreli");
      Bytes out;
      EXPECT_EQ(p.decrypt(h, key, oaep, encrypt_with_cert(km.cert_der, plain, oaep ? "oaep" : "pkcs1"), out), CKR_OK);
      EXPECT_EQ(out, plain) << (oaep ? "OAEP" : "PKCS#1");
    }
    ++decrypted;
  }
  EXPECT_EQ(decrypted, 1u);
  p.f.C_CloseSession(h);
  p.f.C_Finalize(nullptr);
  EXPECT_EQ(read_tries(state), (Tries{3, 3}));
}

INSTANTIATE_TEST_SUITE_P(Cards, Decipher, ::testing::Values(std::string(), std::string("rsa-short-sig")),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           return i.param.empty() ? std::string("plain") : std::string("rsa_short_sig");
                         });

// A 1.x card that wants secure messaging: the module cannot speak it; it must say so without sending the PIN
// (a VERIFY answered 69 82 must not be retried) and spend no try.
class SecureMessaging : public PcscTest {};

TEST_F(SecureMessaging, RefusedWithoutSpendingATry) {
  const std::string trace = temp_dir() + "/sm-trace.log";
  const std::string state = insert_state(personality_state("1x", {"secure-messaging"}), 35963, {"--trace", trace});
  LoadedP11 module(AKIS_MODULE_PATH);
  P11Flow p(*module.f);
  ASSERT_EQ(p.f.C_Initialize(nullptr), CKR_OK);
  CK_SLOT_ID slots[4];
  CK_ULONG n = 4;
  ASSERT_EQ(p.f.C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
  bool any_login_ok = false;
  for (CK_ULONG i = 0; i < n; ++i) {
    CK_TOKEN_INFO ti;
    CK_RV rv = p.f.C_GetTokenInfo(slots[i], &ti);
    EXPECT_TRUE(rv == CKR_OK || rv == CKR_TOKEN_NOT_RECOGNIZED || rv == CKR_TOKEN_NOT_PRESENT ||
                rv == CKR_DEVICE_ERROR)
        << std::hex << rv;
    CK_SESSION_HANDLE h = 0;
    if (p.f.C_OpenSession(slots[i], CKF_SERIAL_SESSION, nullptr, nullptr, &h) != CKR_OK) continue;
    any_login_ok |= p.login(h, CKU_USER, "123456") == CKR_OK;
    p.f.C_CloseSession(h);
  }
  EXPECT_FALSE(any_login_ok);
  p.f.C_Finalize(nullptr);
  EXPECT_EQ(read_tries(state), (Tries{3, 3}));
  std::ifstream in(trace);
  std::size_t verifies = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find("00 20 00") != std::string::npos && line.find("redacted") != std::string::npos) ++verifies;
  EXPECT_LE(verifies, 1u) << "a VERIFY answered 69 82 was sent again";
}

}  // namespace
