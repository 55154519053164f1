// SPDX-License-Identifier: LGPL-2.1-or-later
// The XAdES library without a card (a software EC key): Exclusive C14N verified by xmlsec1; signatures made by
// xmlsec1 itself (another implementation): a XAdES with a KeyInfo reference verifies, one whose
// SigningCertificate names another certificate and a plain XMLDSig without SignedProperties do not; hostile
// edits (a second signature, a remote reference) are refused with a reason.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ctime>

#include <fstream>
#include <iterator>

#include "akis/sign/xades.hpp"
#include "cards.hpp"
#include "processes.hpp"

using namespace akis;
using akis::test::run_command;
using akis::test::temp_dir;

namespace {

struct SoftKey {
  std::string dir = temp_dir() + "/softkey";
  EVP_PKEY* key = nullptr;
  Bytes cert;
  SoftKey() {
    std::string out;
    run_command("mkdir -p '" + dir + "' && cd '" + dir + "' && openssl req -x509 -newkey ec -pkeyopt "
                "ec_paramgen_curve:P-256 -nodes -subj '/CN=Software Key/serialNumber=10000000146' -keyout key.pem "
                "-out cert.pem -days 2 2>&1 && openssl x509 -in cert.pem -outform DER -out cert.der 2>&1", out);
    FILE* f = std::fopen((dir + "/key.pem").c_str(), "r");
    if (f) {
      key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
      std::fclose(f);
    }
    std::ifstream in(dir + "/cert.der", std::ios::binary);
    cert.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ~SoftKey() { EVP_PKEY_free(key); }
};

std::string write(const std::string& name, const std::string& s) {
  std::string p = temp_dir() + "/" + name;
  std::ofstream(p, std::ios::binary) << s;
  return p;
}

Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }
std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

const char* kDoc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<defter xmlns=\"urn:example:e-defter\">"
                   "<kayit no=\"1\">Kasa 500,00 TL</kayit></defter>\n";

TEST(XadesLibrary, ExclusiveC14nVerifiesWithXmlsec1AndHere) {
  SoftKey k;
  ASSERT_TRUE(k.key) << "openssl made no key";
  sign::XadesOptions o;
  o.exclusive_c14n = true;
  std::string signed_xml = text(sign::xades_sign(k.key, k.cert, bytes(kDoc), o));
  EXPECT_NE(signed_xml.find("xml-exc-c14n#"), std::string::npos);
  std::string file = write("exc.xml", signed_xml), out;
  EXPECT_EQ(run_command("xmlsec1 --verify --trusted-pem '" + k.dir + "/cert.pem' --id-attr:Id "
                        "'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' '" + file + "' 2>&1", out), 0) << out;
  auto v = sign::xades_verify(bytes(signed_xml), {k.dir + "/cert.pem"});
  EXPECT_TRUE(v.signature_valid) << v.error;
  EXPECT_TRUE(v.has_signing_cert_v2);
  EXPECT_EQ(v.chain, sign::ChainResult::Trusted) << v.chain_error;
  EXPECT_EQ(v.signer_cert, k.cert);
  ASSERT_TRUE(v.signing_time);
  EXPECT_LE(std::abs(*v.signing_time - std::time(nullptr)), 120);
}

TEST(XadesLibrary, PlainXmldsigFromXmlsec1IsNotXades) {
  SoftKey k;
  ASSERT_TRUE(k.key);
  // An enveloped XMLDSig template signed by xmlsec1: valid XMLDSig, but without SignedProperties.
  std::string tmpl = std::string("<defter xmlns=\"urn:example:e-defter\"><kayit>Kasa</kayit>") +
                     "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
                     "<CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
                     "<SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
                     "<Reference URI=\"\"><Transforms><Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#"
                     "enveloped-signature\"/></Transforms><DigestMethod Algorithm=\"http://www.w3.org/2001/04/"
                     "xmlenc#sha256\"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data>"
                     "<X509Certificate/></X509Data></KeyInfo></Signature></defter>";
  std::string in = write("tmpl.xml", tmpl), signed_file = temp_dir() + "/dsig.xml", out;
  ASSERT_EQ(run_command("xmlsec1 --sign --privkey-pem '" + k.dir + "/key.pem," + k.dir + "/cert.pem' --output '" +
                            signed_file + "' '" + in + "' 2>&1", out), 0) << out;
  std::ifstream f(signed_file, std::ios::binary);
  Bytes dsig((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto v = sign::xades_verify(dsig, {});
  EXPECT_FALSE(v.signature_valid);
  EXPECT_NE(v.error.find("not XAdES"), std::string::npos) << v.error;
}

std::string b64(const Bytes& b) {
  std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(), static_cast<int>(b.size()))));
  return out;
}

// A XAdES-BES signature as another implementation makes it: written here as a template, signed by xmlsec1, with
// a third reference (to ds:KeyInfo), a SHA-1 CertDigest naming `named` and a SigningTime in +03:00.
Bytes xmlsec1_xades(const SoftKey& signer, const Bytes& named) {
  unsigned char sha1[20];
  unsigned int n = 0;
  EVP_Digest(named.data(), named.size(), sha1, &n, EVP_sha1(), nullptr);
  const std::string ds = "http://www.w3.org/2000/09/xmldsig#", sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
  std::string t =
      "<defter xmlns=\"urn:example:e-defter\"><kayit>Kasa</kayit><ds:Signature xmlns:ds=\"" + ds + "\" Id=\"S1\">"
      "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>"
      "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
      "<ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"" + ds + "enveloped-signature\"/></ds:Transforms>"
      "<ds:DigestMethod Algorithm=\"" + sha256 + "\"/><ds:DigestValue/></ds:Reference>"
      "<ds:Reference URI=\"#KI1\"><ds:DigestMethod Algorithm=\"" + sha256 + "\"/><ds:DigestValue/></ds:Reference>"
      "<ds:Reference URI=\"#SP1\" Type=\"http://uri.etsi.org/01903#SignedProperties\"><ds:DigestMethod Algorithm=\"" +
      sha256 + "\"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo Id=\"KI1\">"
      "<ds:X509Data><ds:X509Certificate>" + b64(signer.cert) + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
      "<ds:Object><xades:QualifyingProperties xmlns:xades=\"http://uri.etsi.org/01903/v1.3.2#\" Target=\"#S1\">"
      "<xades:SignedProperties Id=\"SP1\"><xades:SignedSignatureProperties>"
      "<xades:SigningTime>2026-01-02T10:00:00+03:00</xades:SigningTime><xades:SigningCertificate><xades:Cert>"
      "<xades:CertDigest><ds:DigestMethod Algorithm=\"" + ds + "sha1\"/><ds:DigestValue>" +
      b64(Bytes(sha1, sha1 + n)) + "</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificate>"
      "</xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object>"
      "</ds:Signature></defter>";
  std::string in = write("other-tmpl.xml", t), out_file = temp_dir() + "/other-signed.xml", out;
  // Without the certificate on the command line xmlsec1 leaves the X509Data written above as it is.
  if (run_command("xmlsec1 --sign --privkey-pem '" + signer.dir + "/key.pem' --id-attr:Id '" + ds + ":KeyInfo' "
                  "--id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' --output '" + out_file + "' '" +
                  in + "' 2>&1", out) != 0)
    ADD_FAILURE() << out;
  std::ifstream f(out_file, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST(XadesLibrary, XadesFromXmlsec1WithAKeyInfoReferenceVerifies) {
  SoftKey k;
  ASSERT_TRUE(k.key);
  auto v = sign::xades_verify(xmlsec1_xades(k, k.cert), {k.dir + "/cert.pem"});
  EXPECT_TRUE(v.signature_valid) << v.error;
  EXPECT_EQ(v.chain, sign::ChainResult::Trusted) << v.chain_error;
  std::tm tm{};
  tm.tm_year = 126, tm.tm_mon = 0, tm.tm_mday = 2, tm.tm_hour = 7;  // 10:00 +03:00
  ASSERT_TRUE(v.signing_time);
  EXPECT_EQ(*v.signing_time, timegm(&tm));
  // The same, validly signed, but its SigningCertificate names another certificate: not this signer's XAdES.
  Bytes other = k.cert;
  other.back() ^= 1;
  auto bad = sign::xades_verify(xmlsec1_xades(k, other), {});
  EXPECT_FALSE(bad.signature_valid);
  EXPECT_NE(bad.error.find("SigningCertificate does not name"), std::string::npos) << bad.error;
}

TEST(XadesLibrary, HostileEditsAreRefusedWithAReason) {
  SoftKey k;
  ASSERT_TRUE(k.key);
  std::string s = text(sign::xades_sign(k.key, k.cert, bytes(kDoc)));
  ASSERT_TRUE(sign::xades_verify(bytes(s), {}).signature_valid);
  // A second copy of the signature: which one counts would be ambiguous.
  auto from = s.find("<ds:Signature"), to = s.find("</ds:Signature>") + 15;
  std::string twice = s.substr(0, to) + s.substr(from, to - from) + s.substr(to);
  auto v2 = sign::xades_verify(bytes(twice), {});
  EXPECT_FALSE(v2.signature_valid);
  EXPECT_NE(v2.error.find("2 signatures"), std::string::npos) << v2.error;
  // A reference that points outside the document is never fetched.
  std::string remote = s;
  remote.replace(remote.find("URI=\"\""), 6, "URI=\"http://127.0.0.1:9/x\"");
  auto v3 = sign::xades_verify(bytes(remote), {});
  EXPECT_FALSE(v3.signature_valid);
  EXPECT_NE(v3.error.find("URI"), std::string::npos) << v3.error;
  // Not XML, or XML with a DTD: an exception with the reason, never a crash.
  EXPECT_THROW(sign::xades_verify(bytes("<a><b></a>"), {}), std::runtime_error);
  EXPECT_THROW(sign::xades_verify(bytes("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>"), {}), std::runtime_error);
  EXPECT_THROW(sign::xades_sign(k.key, k.cert, bytes(s)), std::runtime_error) << "already signed";
  EXPECT_FALSE(sign::is_xml(bytes("%PDF-1.7")));
  EXPECT_TRUE(sign::is_xml(bytes("\xEF\xBB\xBF  <a/>")));
}

}  // namespace
