// SPDX-License-Identifier: LGPL-2.1-or-later
// Sanitised recordings (akis/sanitise.hpp): a probe of a virtual card with a known holder, sanitised, holds none
// of the holder's name, T.C. Kimlik No or serial in any encoding, yet replays through the card layer and the
// PKCS#11 module as the same card: the same objects, key IDs, public keys and mechanisms, certificates that parse
// and carry the card's public key with a synthetic subject. A recording that holds a certificate only in part is
// refused, never published.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "akis/sanitise.hpp"
#include "evidence_util.hpp"
#include "module_view.hpp"

using namespace akis;
using namespace akis::test;

namespace {

struct Holder {
  std::string name = "ŞÜKRÜ ÇAĞLAYAN ÖZGÜRTEST", national_id, serial = "A1B2C3D4E5F60718293A4B5C";
  std::vector<std::string> forbidden() const {
    std::vector<std::string> out;
    for (auto& v : {name, national_id, serial, std::string("ŞÜKRÜ"), std::string("ÇAĞLAYAN"), std::string("ÖZGÜRTEST")})
      for (auto& e : encodings(v)) out.push_back(e);
    return out;
  }
};

vcard::CardState personal_state(const Case& c, Holder& h) {
  vcard::PersonaliseOptions o = personality_options(c.family, c.quirks, c.puk);
  o.holder = h.name;
  if (h.national_id.empty()) h.national_id = vcard::make_tc_kimlik_no();
  o.national_id = h.national_id;
  o.serial_hex = h.serial;
  return vcard::personalise(o);
}

Recording probe_recording(const vcard::CardState& state) {
  auto res = cli::run_probe(std::make_unique<vcard::InProcessTransport>(std::make_shared<vcard::VirtualCard>(state)));
  std::istringstream in(res.recording.text());
  return parse_recording(in);
}

class SanitisedReplay : public ModuleView, public ::testing::WithParamInterface<Case> {};

TEST_P(SanitisedReplay, NoHolderDataSameCard) {
  use_key_dir(temp_dir() + "/key-sanitise");
  Holder holder;
  const vcard::CardState state = personal_state(GetParam(), holder);
  const Recording raw = probe_recording(state);
  SanitiseSummary sum;
  const Recording clean = sanitise(raw, &sum);
  const std::string text = clean.text();
  EXPECT_GE(sum.certificates, 1u);
  EXPECT_EQ(clean.exchanges.size(), raw.exchanges.size());
  // The raw recording holds them (so the grep can find them); the sanitised one none of them.
  EXPECT_NE(raw.text().find(holder.serial), std::string::npos);
  for (auto& v : holder.forbidden()) EXPECT_EQ(text.find(v), std::string::npos) << "sanitised recording holds " << v;
  // The same holder key gives the same synthetic values (and, within a process, the same re-issued certificates).
  EXPECT_EQ(sanitise(raw).text(), text);

  // Through the text format, as a published file would be.
  std::istringstream in(text);
  const Recording published = parse_recording(in);
  std::vector<Bytes> raw_certs, clean_certs;
  const std::string want = replayed(raw, &raw_certs), got = replayed(published, &clean_certs);
  EXPECT_EQ(got, want);
  ASSERT_EQ(clean_certs.size(), raw_certs.size());
  for (std::size_t i = 0; i < raw_certs.size(); ++i) {
    const Cert a = cert_of(raw_certs[i]), b = cert_of(clean_certs[i]);
    ASSERT_FALSE(b.spki.empty()) << "a sanitised certificate does not parse";
    EXPECT_EQ(b.spki, a.spki);
    if (a.ca) {
      EXPECT_EQ(b.subject, a.subject);  // an issuer's certificate is public: kept
    } else {
      EXPECT_NE(b.subject, a.subject);
    }
  }
  // The card layer and the probe read it as a working card.
  auto again = cli::run_probe(std::make_unique<ReplayTransport>(published));
  EXPECT_EQ(again.report["verdict"]["result"].get<std::string>().rfind("works", 0), 0u) << again.report["verdict"];
  EXPECT_EQ(again.report["module"]["mechanisms"], cli::run_probe(std::make_unique<ReplayTransport>(raw)).report["module"]["mechanisms"]);
}

const Case kSanitiseCases[] = {{"1.0", {}},
                               {"1x", {}},
                               {"2x", {}},
                               {"2x", {"fci-no-size", "read-cap-128", "cert-padded"}},
                               {"2x", {"short-responses", "read-6cxx"}},
                               {"2x", {"cert-direct-value", "issuer-cert"}}};
INSTANTIATE_TEST_SUITE_P(Personalities, SanitisedReplay, ::testing::ValuesIn(kSanitiseCases));

TEST(Sanitise, CertificateReadOnlyInPartIsRefused) {
  use_key_dir(temp_dir() + "/key-sanitise-part");
  Holder holder;
  Recording rec = probe_recording(personal_state({"2x", {}}, holder));
  // Drop the last READ BINARY of the certificate file: its end was never read.
  std::size_t last = 0;
  Bytes selection;
  for (std::size_t i = 0; i < rec.exchanges.size(); ++i) {
    const Bytes& c = rec.exchanges[i].command;
    if (c[1] == 0xA4) selection = c;
    if (c[1] == 0xB0 && selection.size() > 7 && selection.back() == 0x00 && selection[selection.size() - 3] == 0x2F)
      last = i;
  }
  ASSERT_GT(last, 0u);
  rec.exchanges.erase(rec.exchanges.begin() + static_cast<std::ptrdiff_t>(last));
  try {
    sanitise(rec);
    FAIL() << "a partly read certificate was sanitised";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("in part"), std::string::npos) << e.what();
  }
}

// Real issuers sign with RSA (the virtual card's test CA uses ECDSA): a holder certificate signed by an RSA-2048
// CA, read in chunks of 0xF4, is re-issued at the same length with the same algorithm and public key.
TEST(Sanitise, RsaSignedCertificateKeepsItsLengthAndAlgorithm) {
  use_key_dir(temp_dir() + "/key-sanitise-rsa");
  EVP_PKEY* ca = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  EVP_PKEY* holder = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_TRUE(ca && holder);
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set_int64(X509_get_serialNumber(x), 0x1234567890ABCDLL);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("TR"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("ŞÜKRÜ ÇAĞLAYAN ÖZGÜRTEST"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "serialNumber", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("10000000146"), -1, -1, 0);
  X509_NAME* issuer = X509_NAME_new();
  X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Test NES CA"), -1, -1, 0);
  X509_set_issuer_name(x, issuer);
  X509_NAME_free(issuer);
  X509_set_pubkey(x, holder);
  ASSERT_GT(X509_sign(x, ca, EVP_sha256()), 0);
  Bytes der(static_cast<std::size_t>(i2d_X509(x, nullptr)));
  unsigned char* p = der.data();
  i2d_X509(x, &p);
  X509_free(x);
  EVP_PKEY_free(ca);
  EVP_PKEY_free(holder);

  Recording rec;
  rec.atr = from_hex("3B9F978131FE458065544353228231C073F62180810553");
  rec.exchanges.push_back({from_hex("00A408000450152F1000"), false, from_hex("6F0E83022F108002" + to_hex(Bytes{
      static_cast<std::uint8_t>(der.size() >> 8), static_cast<std::uint8_t>(der.size())}) + "8201019001329000")});
  for (std::size_t off = 0; off < der.size(); off += 0xF4) {
    const std::size_t n = std::min<std::size_t>(0xF4, der.size() - off);
    Exchange e{{0x00, 0xB0, static_cast<std::uint8_t>(off >> 8), static_cast<std::uint8_t>(off), static_cast<std::uint8_t>(n)},
               false, Bytes(der.begin() + static_cast<std::ptrdiff_t>(off), der.begin() + static_cast<std::ptrdiff_t>(off + n))};
    e.answer.push_back(0x90);
    e.answer.push_back(0x00);
    rec.exchanges.push_back(e);
  }
  SanitiseSummary sum;
  const Recording clean = sanitise(rec, &sum);
  EXPECT_EQ(sum.certificates, 1u);
  Bytes out;
  for (std::size_t i = 1; i < clean.exchanges.size(); ++i)
    out.insert(out.end(), clean.exchanges[i].answer.begin(), clean.exchanges[i].answer.end() - 2);
  ASSERT_EQ(out.size(), der.size());
  const Cert a = cert_of(der), b = cert_of(out);
  EXPECT_EQ(b.spki, a.spki);
  EXPECT_NE(b.subject, a.subject);
  EXPECT_EQ(b.subject.find("10000000146"), std::string::npos) << b.subject;
  const unsigned char* q = out.data();
  X509* y = d2i_X509(nullptr, &q, static_cast<long>(out.size()));
  ASSERT_TRUE(y);
  EXPECT_EQ(X509_get_signature_nid(y), NID_sha256WithRSAEncryption);
  EXPECT_NE(ASN1_INTEGER_get(X509_get0_serialNumber(y)), 0x1234567890ABCDLL);
  X509_free(y);
  for (auto& v : {std::string("ÖZGÜRTEST"), std::string("10000000146")})
    for (auto& e : encodings(v)) EXPECT_EQ(clean.text().find(e), std::string::npos) << e;
}

}  // namespace
