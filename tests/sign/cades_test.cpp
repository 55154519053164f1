// SPDX-License-Identifier: LGPL-2.1-or-later
// CAdES-BES made by `akis sign` on the virtual card, verified by `openssl cms -verify` and `akis verify`;
// a changed byte fails both.
#include <nlohmann/json.hpp>

#include "sign_fixture.hpp"

using namespace akis::test;

namespace {

TEST_F(SignTest, CadesAttachedRsaVerifiesAndAChangedByteFails) {
  std::string doc = write("contract.txt", "Sözleşme metni: 100 TL.\n");
  auto r = akis("sign '" + doc + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string imz = doc + ".imz";
  EXPECT_TRUE(has(r.out, imz)) << r.out;
  // Independent verifier: signature, chain to the card's CA, and the content back out.
  auto v = sh(openssl_verify(imz, "-out '" + dir() + "/recovered.txt'"));
  ASSERT_EQ(v.rc, 0) << v.out;
  EXPECT_EQ(read(dir() + "/recovered.txt"), read(doc));
  // CAdES-BES attributes: content type, signing time, message digest, signing-certificate-v2.
  auto p = sh("openssl cms -cmsout -print -inform DER -in '" + imz + "'");
  EXPECT_TRUE(has(p.out, "signingTime")) << p.out;
  EXPECT_TRUE(has(p.out, "id-smime-aa-signingCertificateV2")) << p.out;
  EXPECT_TRUE(has(p.out, "messageDigest")) << p.out;
  EXPECT_TRUE(has(p.out, "sha256WithRSAEncryption") || has(p.out, "rsaEncryption")) << p.out;
  // akis verify: valid and trusted with --ca, intact but not checked without it.
  auto a = akis("verify --ca '" + ca_cert_path() + "' '" + imz + "'");
  EXPECT_EQ(a.rc, 0) << a.out;
  EXPECT_TRUE(has(a.out, "Signer: AYŞE GÜL YILDIRIM")) << a.out;
  EXPECT_TRUE(has(a.out, "T.C. identity no: 10000000146")) << a.out;  // a seal shows "Tax number" (seal_test)
  EXPECT_TRUE(has(a.out, "Chain: trusted")) << a.out;
  EXPECT_EQ(akis("verify '" + imz + "'").rc, 32);
  auto j = nlohmann::json::parse(akis("verify --json --ca '" + ca_cert_path() + "' '" + imz + "'").out);
  EXPECT_EQ(j["verdict"], "valid");
  EXPECT_EQ(j["signer"]["national_id"], "10000000146");
  EXPECT_EQ(j["signer"]["kind"], "qualified");

  // A changed byte of the content inside the .imz: both verifiers refuse it.
  expect_changed_content_refused(imz, "100 TL");
}

TEST_F(SignTest, CadesDetachedEcAndAnUntrustedAnchor) {
  std::string doc = write("invoice.bin", std::string("\x00\x01binary\xff data", 14));
  auto r = akis("sign --detached --cert 'EC İmza Anahtarı' -o '" + dir() + "/inv.p7s' '" + doc + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string p7s = dir() + "/inv.p7s";
  auto v = sh(openssl_verify(p7s, "-content '" + doc + "' -out /dev/null"));
  ASSERT_EQ(v.rc, 0) << v.out;
  EXPECT_TRUE(has(sh("openssl cms -cmsout -print -inform DER -in '" + p7s + "'").out, "ecdsa-with-SHA256"));
  EXPECT_EQ(akis("verify --ca '" + ca_cert_path() + "' --data '" + doc + "' '" + p7s + "'").rc, 0);
  // Without the data a detached signature cannot be checked; with a foreign anchor the chain is not trusted.
  EXPECT_EQ(akis("verify '" + p7s + "'").rc, 30);
  sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=Other -keyout '" + dir() +
     "/o.key' -out '" + dir() + "/other-ca.pem' -days 2");
  EXPECT_EQ(akis("verify --ca '" + dir() + "/other-ca.pem' --data '" + doc + "' '" + p7s + "'").rc, 31);
  // One changed byte of the data.
  flip(doc, 3);
  EXPECT_NE(sh(openssl_verify(p7s, "-content '" + doc + "' -out /dev/null")).rc, 0);
  EXPECT_EQ(akis("verify --ca '" + ca_cert_path() + "' --data '" + doc + "' '" + p7s + "'").rc, 30);
}

TEST_F(SignTest, WrongPinAndUnknownCertificateAreRefused) {
  std::string doc = write("x.txt", "x");
  EXPECT_EQ(akis("sign '" + doc + "'", "999999").rc, 7);
  EXPECT_EQ(akis("sign --cert 'no such' '" + doc + "'").rc, 12);
  EXPECT_EQ(akis("verify '" + doc + "'").rc, 34);
  // The wrong PIN above spent one try; the right one signs again (and resets the counter).
  EXPECT_EQ(akis("sign '" + doc + "'").rc, 0);
}

}  // namespace
