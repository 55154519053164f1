// SPDX-License-Identifier: LGPL-2.1-or-later
// Which key and which format `akis sign` takes: --cert by hex CKA_ID (the signer certificate compared by
// openssl with the card's own, read by OpenSC's pkcs11-tool), the non-repudiation default on a card whose first
// certificate with a key is the encryption one, --format cades|pades against the extension, the one --detached
// rule for XML and PDF, and the PIN through --pin-fd.
#include <podofo/podofo.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "personalise.hpp"
#include "sign_fixture.hpp"

using namespace akis::test;

namespace {

std::string pkcs11_tool(const std::string& args) {
  return std::string(AKIS_HOST_ENV) + "pkcs11-tool --module '" AKIS_MODULE_PATH "' " + args;
}

// The CKA_ID pkcs11-tool lists for the certificate labelled `label` (empty when there is none).
std::string cert_id(const std::string& listing, const std::string& label) {
  auto at = listing.find("label:      " + label + "\n");
  if (at == std::string::npos) return {};
  auto id = listing.find("ID:", at);
  if (id == std::string::npos) return {};
  id = listing.find_first_not_of(' ', id + 3);
  return listing.substr(id, listing.find('\n', id) - id);
}

// SHA-256 fingerprint by openssl of a certificate file (PEM or DER).
std::string fingerprint(const std::string& path, const char* form) {
  std::string out;
  run_command(std::string("openssl x509 -noout -fingerprint -sha256 -inform ") + form + " -in '" + path + "' 2>&1", out);
  return out;
}

void make_pdf(const std::string& path) {
  PoDoFo::PdfMemDocument pdf;
  pdf.CreatePage(PoDoFo::PdfPage::CreateStandardPageSize(PoDoFo::ePdfPageSize_A4));
  pdf.Write(path.c_str());
}

TEST_F(SignTest, CertByHexIdPinFdAndExplicitFormats) {
  auto list = sh(pkcs11_tool("-O --type cert"));
  ASSERT_EQ(list.rc, 0) << list.out;
  const std::string id = cert_id(list.out, "Şifreleme Anahtarı");
  ASSERT_FALSE(id.empty()) << list.out;
  ASSERT_EQ(sh(pkcs11_tool("--read-object --type cert --id " + id + " -o '" + dir() + "/enc.der'")).rc, 0);
  std::string upper = id;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });

  // --cert <hex CKA_ID> (upper case) picks the encryption certificate over the default NES one, and the PIN
  // comes from --pin-fd (no AKIS_PIN): without any PIN source the same command cannot sign.
  std::string doc = write("by-id.txt", "anahtar seçimi\n");
  write("pin.txt", "123456\n");
  const std::string no_env = std::string(AKIS_HOST_ENV) + "LANG=C.UTF-8 AKIS_PKCS11_MODULE='" AKIS_MODULE_PATH "' '" AKIS_CLI_BIN "' ";
  auto r = sh(no_env + "--pin-fd 3 sign --cert " + upper + " '" + doc + "' 3<'" + dir() + "/pin.txt' </dev/null");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(has(r.out, "Signed with: Şifreleme Anahtarı")) << r.out;
  ASSERT_EQ(sh(openssl_verify(doc + ".imz", "-signer '" + dir() + "/signer.pem' -out /dev/null")).rc, 0);
  EXPECT_EQ(fingerprint(dir() + "/signer.pem", "PEM"), fingerprint(dir() + "/enc.der", "DER"));
  EXPECT_NE(sh(no_env + "sign --cert " + upper + " -o '" + dir() + "/nopin.imz' '" + doc + "' </dev/null").rc, 0);

  // --format cades on a PDF: a CMS with the PDF inside, not a PAdES file.
  make_pdf(dir() + "/plain.pdf");
  r = akis("sign --format cades '" + dir() + "/plain.pdf'");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir() + "/plain.signed.pdf"));
  ASSERT_EQ(sh(openssl_verify(dir() + "/plain.pdf.imz", "-out '" + dir() + "/plain.back'")).rc, 0);
  EXPECT_EQ(read(dir() + "/plain.back"), read(dir() + "/plain.pdf"));

  // --format pades on a PDF without the .pdf extension (by default it would get CAdES).
  make_pdf(dir() + "/report.dat");
  r = akis("sign --format pades '" + dir() + "/report.dat'");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir() + "/report.dat.imz"));
  auto p = sh("pdfsig '" + dir() + "/report.signed.pdf'");
  EXPECT_TRUE(has(p.out, "Signature is Valid.")) << p.out;
}

// --detached: always a detached CAdES (FILE.p7s), for an .xml file, XML known by its content, and a PDF alike;
// only an explicit --format xades|pades with it is a usage error.
TEST_F(SignTest, DetachedIsOneRuleForXmlAndPdf) {
  const std::string xml = "<?xml version=\"1.0\"?>\n<Invoice><ID>A-1</ID></Invoice>\n";
  std::string named = write("detached.xml", xml);
  std::string sniffed = write("detached-xml.txt", xml);
  make_pdf(dir() + "/detached.pdf");
  for (const std::string& doc : {named, sniffed, dir() + "/detached.pdf"}) {
    auto r = akis("sign --detached '" + doc + "'");
    ASSERT_EQ(r.rc, 0) << doc << "\n" << r.out;
    EXPECT_TRUE(has(r.out, doc + ".p7s")) << r.out;
    auto v = sh(openssl_verify(doc + ".p7s", "-content '" + doc + "' -out /dev/null"));
    EXPECT_EQ(v.rc, 0) << doc << "\n" << v.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir() + "/detached.signed.xml"));
  EXPECT_FALSE(std::filesystem::exists(dir() + "/detached.signed.pdf"));
  EXPECT_EQ(akis("sign --format xades --detached '" + named + "'").rc, 1);
  EXPECT_EQ(akis("sign --format pades --detached '" + dir() + "/detached.pdf'").rc, 1);
}

// A card whose first certificate with a key is the encryption one ("Şifreleme Anahtarı", no nonRepudiation),
// the NES certificate second: the default signer is still the NES (non-repudiation) certificate.
TEST_F(SignTest, DefaultSignerIsTheNonRepudiationCertificateEvenWhenNotFirst) {
  akis::vcard::PersonaliseOptions o = options_for(Variant::Pre2011);
  o.ec_key = false;
  o.second_rsa = true;
  akis::vcard::CardMaterial m = akis::vcard::make_material(o);
  ASSERT_EQ(m.keys.size(), 2u);
  std::rotate(m.keys.begin(), m.keys.begin() + 1, m.keys.end());  // the encryption pair first
  ASSERT_FALSE(m.keys.front().non_repudiation);
  std::string state = dir() + "/enc-first.json";
  akis::vcard::save_atomically(akis::vcard::build_card(o, m), state);
  auto second = std::make_unique<VirtualCardProcess>(state, 35964);
  wait_for_card(Pcscd::kReader1, true);

  // The premise, as an application sees it: the module lists the encryption certificate first.
  auto list = sh(pkcs11_tool("--slot-description '" + std::string(Pcscd::kReader1) + "' -O --type cert"));
  ASSERT_EQ(list.rc, 0) << list.out;
  auto enc = list.out.find("label:      Şifreleme Anahtarı");
  auto nes = list.out.find("label:      Nitelikli İmza Anahtarı");
  ASSERT_NE(enc, std::string::npos) << list.out;
  ASSERT_NE(nes, std::string::npos) << list.out;
  ASSERT_LT(enc, nes) << list.out;

  std::string doc = write("default-signer.txt", "varsayılan anahtar\n");
  auto r = akis("--reader '" + std::string(Pcscd::kReader1) + "' sign '" + doc + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(has(r.out, "Signed with: Nitelikli İmza Anahtarı")) << r.out;
  ASSERT_EQ(sh(openssl_verify(doc + ".imz", "-signer '" + dir() + "/default-signer.pem' -out /dev/null")).rc, 0);
  auto ku = sh("openssl x509 -noout -ext keyUsage -in '" + dir() + "/default-signer.pem'");
  EXPECT_TRUE(has(ku.out, "Non Repudiation")) << ku.out;
  EXPECT_FALSE(has(ku.out, "Key Encipherment")) << ku.out;
}

}  // namespace
