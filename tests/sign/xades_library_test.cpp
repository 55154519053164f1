// SPDX-License-Identifier: LGPL-2.1-or-later
// The XAdES library without a card (a software EC key): Exclusive C14N verified by xmlsec1, and what
// xades_verify requires beyond XMLDSig, checked on signatures made by xmlsec1 itself (a valid XMLDSig without
// SignedProperties is not XAdES) and on hostile edits (a second signature, a remote reference).
#include <gtest/gtest.h>
#include <openssl/pem.h>

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
