// SPDX-License-Identifier: LGPL-2.1-or-later
// XAdES-BES made by `akis sign` on a UBL-TR-like e-Fatura and on a plain XML file, with the virtual card's RSA
// and EC keys, checked by the independent `xmlsec1 --verify` (with the card's CA as the only trust anchor) and
// `akis verify`; a changed byte of the content, a changed SigningTime and a foreign CA each fail both.
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "sign_fixture.hpp"

using namespace akis::test;

namespace {

const char* kInvoice = R"(<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
         xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">
  <ext:UBLExtensions>
    <ext:UBLExtension>
      <ext:ExtensionContent/>
    </ext:UBLExtension>
  </ext:UBLExtensions>
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:CustomizationID>TR1.2</cbc:CustomizationID>
  <cbc:ProfileID>TEMELFATURA</cbc:ProfileID>
  <cbc:ID>ABC2026000000001</cbc:ID>
  <cbc:UUID>3f2b8c1e-5d4a-4e7b-9c61-0a1b2c3d4e5f</cbc:UUID>
  <cbc:IssueDate>2026-12-02</cbc:IssueDate>
  <cbc:InvoiceTypeCode>SATIS</cbc:InvoiceTypeCode>
  <cbc:Note>Yalnız: Bin Yüz Seksen Türk Lirası</cbc:Note>
  <cbc:DocumentCurrencyCode>TRY</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyIdentification><cbc:ID schemeID="VKN">1234567890</cbc:ID></cac:PartyIdentification>
    <cac:PartyName><cbc:Name>Örnek Yazılım A.Ş.</cbc:Name></cac:PartyName>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="TRY">1180.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
</Invoice>
)";

const char* kLedger = "<defter xmlns=\"urn:example:e-defter\"><kayit no=\"1\">Kasa 500,00 TL</kayit></defter>\n";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string xpath(const std::string& file, const std::string& expr) {
  std::string o;
  run_command("xmllint --xpath \"" + expr + "\" '" + file + "' 2>&1", o);
  while (!o.empty() && o.back() == '\n') o.pop_back();
  return o;
}

std::size_t base64_bytes(const std::string& b64) {
  std::string clean;
  for (char c : b64)
    if (!std::isspace(static_cast<unsigned char>(c))) clean += c;
  std::string out(clean.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  return n < 0 ? 0 : static_cast<std::size_t>(n) - static_cast<std::size_t>(std::count(clean.begin(), clean.end(), '='));
}

// Flips one bit of the character `skip` places after `marker` (a digit stays a digit).
void flip_after(const std::string& path, const std::string& marker, std::size_t skip = 0) {
  std::string s = slurp(path);
  auto at = s.find(marker);
  ASSERT_NE(at, std::string::npos) << marker;
  at += marker.size() + skip;
  s[at] = static_cast<char>(s[at] ^ 0x01);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << s;
}

TEST_F(SignTest, XadesRsaInvoiceVerifiesAndChangesFail) {
  std::string doc = write("fatura.xml", kInvoice);
  auto r = akis("sign '" + doc + "'");  // .xml: XAdES by default
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string out = dir() + "/fatura.signed.xml";
  EXPECT_TRUE(has(r.out, out)) << r.out;
  // In the UBL extension slot, with both references and the XAdES properties.
  EXPECT_EQ(xpath(out, "count(/*/*[local-name()='UBLExtensions']/*/*[local-name()='ExtensionContent']/*[local-name()='Signature'])"), "1");
  EXPECT_EQ(xpath(out, "count(//*[local-name()='Signature'])"), "1");
  EXPECT_TRUE(has(xpath(out, "string(//*[local-name()='SignatureMethod']/@Algorithm)"), "rsa-sha256"));
  EXPECT_EQ(xpath(out, "count(//*[local-name()='Reference'][@URI='']/*/*[@Algorithm='http://www.w3.org/2000/09/xmldsig#enveloped-signature'])"), "1");
  EXPECT_EQ(xpath(out, "count(//*[local-name()='Reference'][@Type='http://uri.etsi.org/01903#SignedProperties'])"), "1");
  EXPECT_EQ(xpath(out, "count(//*[local-name()='SignedProperties']//*[local-name()='SigningTime'])"), "1");
  EXPECT_EQ(xpath(out, "count(//*[local-name()='SigningCertificate']//*[local-name()='DigestValue'])"), "1");
  EXPECT_TRUE(has(slurp(out), "Örnek Yazılım A.Ş.")) << "the content is kept in UTF-8";

  std::string xo;
  EXPECT_EQ(xmlsec_verify(out, ca_cert_path(), &xo), 0) << xo;
  EXPECT_TRUE(has(xo, "OK")) << xo;
  auto a = akis("verify --ca '" + ca_cert_path() + "' '" + out + "'");
  EXPECT_EQ(a.rc, 0) << a.out;
  EXPECT_TRUE(has(a.out, "Format: XAdES")) << a.out;
  EXPECT_TRUE(has(a.out, "Signer: AYŞE GÜL YILDIRIM")) << a.out;
  EXPECT_TRUE(has(a.out, "10000000146")) << a.out;
  EXPECT_TRUE(has(a.out, "Chain: trusted")) << a.out;
  EXPECT_FALSE(has(a.out, "Signing time: -")) << a.out;
  EXPECT_EQ(akis("verify '" + out + "'").rc, 32);
  auto tr = sh(std::string(AKIS_HOST_ENV) + "LANG=tr_TR.UTF-8 '" AKIS_CLI_BIN "' verify --ca '" + ca_cert_path() + "' '" + out + "'");
  EXPECT_EQ(tr.rc, 0) << tr.out;
  EXPECT_TRUE(has(tr.out, "İmzalayan: AYŞE GÜL YILDIRIM")) << tr.out;
  EXPECT_TRUE(has(tr.out, "Sonuç: GEÇERLİ")) << tr.out;
  // Signing it again would break this signature (the second one would cover the first): refused.
  auto again = akis("sign -o '" + dir() + "/twice.xml' '" + out + "'");
  EXPECT_EQ(again.rc, 9) << again.out;
  EXPECT_TRUE(has(again.out, "already signed")) << again.out;

  // A foreign anchor: both verifiers refuse the chain, akis says the signature itself is intact.
  sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=Other -keyout '" + dir() +
     "/xo.key' -out '" + dir() + "/xades-other-ca.pem' -days 2");
  EXPECT_NE(xmlsec_verify(out, dir() + "/xades-other-ca.pem"), 0);
  auto foreign = akis("verify --ca '" + dir() + "/xades-other-ca.pem' '" + out + "'");
  EXPECT_EQ(foreign.rc, 31) << foreign.out;
  EXPECT_TRUE(has(foreign.out, "Signature: valid")) << foreign.out;

  // A changed SigningTime (one digit of the minutes): the SignedProperties digest no longer matches.
  std::string changed_time = dir() + "/fatura.time.xml";
  write("fatura.time.xml", slurp(out));
  flip_after(changed_time, "SigningTime>", 14);
  EXPECT_NE(slurp(changed_time), slurp(out));
  EXPECT_NE(xmlsec_verify(changed_time, ca_cert_path()), 0);
  auto t = akis("verify --ca '" + ca_cert_path() + "' '" + changed_time + "'");
  EXPECT_EQ(t.rc, 30) << t.out;
  EXPECT_TRUE(has(t.out, "signed properties")) << t.out;

  // A changed byte of the invoice (the amount 1180.00 -> 0180.00).
  flip_after(out, "currencyID=\"TRY\">");
  EXPECT_NE(xmlsec_verify(out, ca_cert_path()), 0);
  auto bad = akis("verify --ca '" + ca_cert_path() + "' '" + out + "'");
  EXPECT_EQ(bad.rc, 30) << bad.out;
  EXPECT_TRUE(has(bad.out, "document was changed")) << bad.out;
}

TEST_F(SignTest, XadesEcOnSniffedXmlIsRawRsAndVerifies) {
  std::string doc = write("defter.dat", kLedger);  // no .xml: recognised by its content
  auto r = akis("sign --cert 'EC İmza Anahtarı' '" + doc + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  std::string out = dir() + "/defter.signed.xml";
  // No UBL extension slot: the last child of the root.
  EXPECT_EQ(xpath(out, "local-name(/*/*[last()])"), "Signature");
  EXPECT_TRUE(has(xpath(out, "string(//*[local-name()='SignatureMethod']/@Algorithm)"), "ecdsa-sha256"));
  // XMLDSig's ECDSA value is r||s (64 bytes for P-256), not a DER SEQUENCE.
  EXPECT_EQ(base64_bytes(xpath(out, "string(//*[local-name()='SignatureValue'])")), 64u);
  std::string xo;
  EXPECT_EQ(xmlsec_verify(out, ca_cert_path(), &xo), 0) << xo;
  auto j = nlohmann::json::parse(akis("verify --json --ca '" + ca_cert_path() + "' '" + out + "'").out);
  EXPECT_EQ(j["format"], "XAdES");
  EXPECT_EQ(j["verdict"], "valid");
  EXPECT_EQ(j["signer"]["national_id"], "10000000146");
  EXPECT_TRUE(j.contains("signing_time"));

  flip_after(out, "Kasa ");
  EXPECT_NE(xmlsec_verify(out, ca_cert_path()), 0);
  EXPECT_EQ(akis("verify --ca '" + ca_cert_path() + "' '" + out + "'").rc, 30);
}

TEST_F(SignTest, XadesRefusesWhatIsNotXml) {
  std::string txt = write("not.txt", "<a>unclosed");
  EXPECT_EQ(akis("sign --format xades '" + txt + "'").rc, 9);
  std::string plain = write("plain.xml", "<a>no signature</a>");
  EXPECT_EQ(akis("verify '" + plain + "'").rc, 34);
}

}  // namespace
