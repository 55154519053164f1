// SPDX-License-Identifier: LGPL-2.1-or-later
// A Mali Mühür (financial seal) card in the second reader: `akis sign` with its default key, as CAdES attached
// and as XAdES on a UBL-TR e-Fatura (the seal's main use), checked by `openssl cms -verify` / `xmlsec1 --verify`
// with the test CA, and `akis verify` (text, Turkish text, --json): the company as signer, its tax number (VKN)
// labelled as such and never as a T.C. Kimlik No, a valid verdict; a changed byte fails every verifier.
#include <memory>

#include <nlohmann/json.hpp>

#include "sign_fixture.hpp"

using namespace akis::test;

namespace {

// The seal card's company, tax number and key labels come from the one definition of the test cards.
const akis::vcard::PersonaliseOptions& seal() {
  static const akis::vcard::PersonaliseOptions o = options_for(Variant::Seal);
  return o;
}
std::string on_seal_reader() { return std::string("--reader '") + Pcscd::kReader1 + "' "; }

// An e-Fatura issued by the seal's company (its VKN as the supplier's PartyIdentification).
std::string invoice() {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
         xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">
  <ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent/></ext:UBLExtension></ext:UBLExtensions>
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:CustomizationID>TR1.2</cbc:CustomizationID>
  <cbc:ProfileID>TICARIFATURA</cbc:ProfileID>
  <cbc:ID>ORN2026000000042</cbc:ID>
  <cbc:IssueDate>2026-12-02</cbc:IssueDate>
  <cbc:InvoiceTypeCode>SATIS</cbc:InvoiceTypeCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PartyIdentification><cbc:ID schemeID="VKN">)" +
         seal().national_id + R"(</cbc:ID></cac:PartyIdentification>
    <cac:PartyName><cbc:Name>)" +
         seal().company + R"(</cbc:Name></cac:PartyName>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="TRY">2360.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
</Invoice>
)";
}

class SealTest : public SignTest {
 protected:
  void SetUp() override {
    std::string state = dir() + "/seal-card.json";
    akis::vcard::save_atomically(card_state(Variant::Seal), state);
    seal_ = std::make_unique<VirtualCardProcess>(state, 35964);
    wait_for_card(Pcscd::kReader1, true);
  }
  void TearDown() override { seal_.reset(); }

  // `akis verify` in text (English and Turkish) and --json on an intact seal signature: the company, its VKN as
  // "Tax number" and no T.C. identity line, the chain trusted, the verdict valid.
  void expect_seal_verified(const std::string& file, const std::string& format) {
    const std::string args = " --ca '" + ca_cert_path() + "' '" + file + "'";
    auto a = akis("verify" + args);
    EXPECT_EQ(a.rc, 0) << a.out;
    EXPECT_TRUE(has(a.out, "Format: " + format)) << a.out;
    EXPECT_TRUE(has(a.out, "Signature: valid")) << a.out;
    EXPECT_TRUE(has(a.out, "Signer: " + seal().company + "\n")) << a.out;
    EXPECT_TRUE(has(a.out, "Tax number: " + seal().national_id + "\n")) << a.out;
    EXPECT_FALSE(has(a.out, "T.C.")) << a.out;
    EXPECT_TRUE(has(a.out, "Chain: trusted")) << a.out;
    EXPECT_TRUE(has(a.out, "Verdict: VALID")) << a.out;
    auto tr = sh(std::string(AKIS_HOST_ENV) + "LANG=tr_TR.UTF-8 '" AKIS_CLI_BIN "' verify" + args);
    EXPECT_EQ(tr.rc, 0) << tr.out;
    EXPECT_TRUE(has(tr.out, "Vergi kimlik no: " + seal().national_id + "\n")) << tr.out;
    EXPECT_FALSE(has(tr.out, "T.C. kimlik no")) << tr.out;
    EXPECT_TRUE(has(tr.out, "Sonuç: GEÇERLİ")) << tr.out;

    auto j = akis("verify --json" + args);
    EXPECT_EQ(j.rc, 0) << j.out;
    auto v = nlohmann::json::parse(j.out, nullptr, false);
    ASSERT_FALSE(v.is_discarded()) << j.out;
    EXPECT_EQ(v["format"], format);
    EXPECT_EQ(v["verdict"], "valid");
    EXPECT_EQ(v["chain"], "trusted");
    EXPECT_EQ(v["signer"]["kind"], "seal") << j.out;
    EXPECT_EQ(v["signer"]["national_id"], seal().national_id);
    EXPECT_EQ(v["signer"]["holder"], seal().company);
    EXPECT_EQ(v["signer"]["organization"], seal().company);
  }

  std::unique_ptr<VirtualCardProcess> seal_;
};

TEST_F(SealTest, CadesSignsWithTheSealKeyAndShowsTheTaxNumber) {
  std::string doc = write("seal-contract.txt", "Hizmet sözleşmesi: 2.360,00 TL, kaşe ve mühür yerine.\n");
  auto r = akis(on_seal_reader() + "sign '" + doc + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(has(r.out, "Signed with: Mali Mühür İmza Anahtarı")) << r.out;
  const std::string imz = doc + ".imz";

  // openssl: valid to the test CA, the content back, and the signer is the seal certificate (the company's
  // VKN as subject serialNumber, the seal policy, nonRepudiation), not the card's encryption certificate.
  auto v = sh(openssl_verify(imz, "-signer '" + dir() + "/seal-signer.pem' -out '" + dir() + "/seal-back.txt'"));
  ASSERT_EQ(v.rc, 0) << v.out;
  EXPECT_EQ(read(dir() + "/seal-back.txt"), read(doc));
  auto x = sh("openssl x509 -noout -subject -nameopt utf8,sep_multiline -ext keyUsage,certificatePolicies -in '" +
              dir() + "/seal-signer.pem'");
  EXPECT_TRUE(has(x.out, "serialNumber=" + seal().national_id)) << x.out;
  EXPECT_TRUE(has(x.out, "O=" + seal().company)) << x.out;
  EXPECT_TRUE(has(x.out, "2.16.792.1.2.1.1.5.7.3.1")) << x.out;
  EXPECT_TRUE(has(x.out, "Non Repudiation")) << x.out;

  expect_seal_verified(imz, "CAdES");

  // A changed byte of the signed text: openssl and akis verify refuse it.
  expect_changed_content_refused(imz, "2.360,00");
}

TEST_F(SealTest, XadesOnAnEFaturaVerifiesWithXmlsecAndShowsTheTaxNumber) {
  std::string doc = write("e-fatura.xml", invoice());
  auto r = akis(on_seal_reader() + "sign '" + doc + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(has(r.out, "Signed with: Mali Mühür İmza Anahtarı")) << r.out;
  const std::string out = dir() + "/e-fatura.signed.xml";
  const std::string signed_xml = read(out);
  // In the UBL extension slot, signed with RSA-SHA256.
  auto slot = sh("xmllint --xpath \"count(/*/*[local-name()='UBLExtensions']/*/*[local-name()='ExtensionContent']"
                 "/*[local-name()='Signature'])\" '" + out + "'");
  EXPECT_EQ(slot.out, "1\n") << slot.out;
  EXPECT_TRUE(has(signed_xml, "xmldsig-more#rsa-sha256")) << signed_xml;

  std::string xo;
  EXPECT_EQ(xmlsec_verify(out, ca_cert_path(), &xo), 0) << xo;
  EXPECT_TRUE(has(xo, "OK")) << xo;
  expect_seal_verified(out, "XAdES");

  // The payable amount changed (2360.00 -> 3360.00): xmlsec1 and akis verify refuse it.
  std::string s = signed_xml;
  auto at = s.find("currencyID=\"TRY\">2360.00");
  ASSERT_NE(at, std::string::npos);
  s[at + 17] = static_cast<char>(s[at + 17] ^ 0x01);
  const std::string changed = write("e-fatura.changed.xml", s);
  EXPECT_NE(xmlsec_verify(changed, ca_cert_path()), 0);
  auto bad = akis("verify --ca '" + ca_cert_path() + "' '" + changed + "'");
  EXPECT_EQ(bad.rc, 30) << bad.out;
  EXPECT_TRUE(has(bad.out, "document was changed")) << bad.out;
}

}  // namespace
