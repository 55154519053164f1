// SPDX-License-Identifier: LGPL-2.1-or-later
// Real client programs load the module and talk to the virtual card through pcscd; every signature is
// checked by a tool that does not use the module (the openssl command line, Java's own provider).
#include <fstream>
#include <future>

#include "host_env.hpp"
#include "pcsc_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

const std::string kModule = AKIS_MODULE_PATH;
const std::string kSignKey = "Nitelikli İmza Anahtarı";
const std::string kEcKey = "EC İmza Anahtarı";

class Clients : public PcscTest {
 protected:
  void SetUp() override {
    dir_ = temp_dir() + "/clients-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string out;
    run_command("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "'", out);
    write("data.txt", "Bu metin AKİS kartı ile imzalanmıştır.\n");
  }
  // Runs a shell command in the test directory; fails the test on a non-zero exit unless told otherwise.
  std::string sh(const std::string& cmd, int expect = 0) {
    std::string out;
    int rc = run_command("cd '" + dir_ + "' && " + AKIS_HOST_ENV + "sh -c '" + quote(cmd) + "'", out);
    EXPECT_EQ(rc, expect) << cmd << "\n" << out;
    return out;
  }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << content;
  }
  static std::string quote(const std::string& s) {  // for use inside single quotes
    std::string out;
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out;
  }
  std::string p11(const std::string& args) { return "pkcs11-tool --module '" + kModule + "' " + args; }
  // The certificate of the key labelled `label`, read through the module, and its public key in PEM.
  void export_public_key(const std::string& label, const std::string& pem) {
    sh(p11("--read-object --type cert --label '" + label + "' -o cert.der"));
    sh("openssl x509 -inform DER -in cert.der -pubkey -noout > " + pem);
  }
  // CKA_ID (hex) of the certificate labelled `label`, as pkcs11-tool lists it.
  std::string id_of(const std::string& label) {
    std::string out = sh(p11("--list-objects --type cert"));
    auto at = out.find("label:      " + label);
    auto id = out.find("ID:", at);
    if (at == std::string::npos || id == std::string::npos) {
      ADD_FAILURE() << "no certificate " << label << " in\n" << out;
      return "00";
    }
    auto start = out.find_first_not_of(' ', id + 3);
    return out.substr(start, out.find('\n', start) - start);
  }
  std::string dir_;
};

TEST_F(Clients, Pkcs11ToolTestSuitePasses) {
  insert(Variant::Pre2011);
  std::string out = sh(p11("--test --login --pin 123456"));
  EXPECT_NE(out.find("No errors"), std::string::npos) << out;
}

TEST_F(Clients, Pkcs11ToolSignaturesVerifyWithOpenSsl) {
  insert(Variant::Pre2011);
  export_public_key(kSignKey, "rsa.pem");
  export_public_key(kEcKey, "ec.pem");
  const std::string login = "--login --pin 123456 --sign ";
  const std::string rsa_id = "--id " + id_of(kSignKey), ec_id = "--id " + id_of(kEcKey);
  // SHA256-RSA-PKCS
  sh(p11(login + rsa_id + " -m SHA256-RSA-PKCS -i data.txt -o s1.bin"));
  EXPECT_NE(sh("openssl dgst -sha256 -verify rsa.pem -signature s1.bin data.txt").find("Verified OK"),
            std::string::npos);
  // RSA-PKCS over a DigestInfo made outside the module
  sh("printf '\\x30\\x31\\x30\\x0d\\x06\\x09\\x60\\x86\\x48\\x01\\x65\\x03\\x04\\x02\\x01\\x05\\x00\\x04\\x20' > di.bin"
     " && openssl dgst -sha256 -binary data.txt >> di.bin");
  sh(p11(login + rsa_id + " -m RSA-PKCS -i di.bin -o s2.bin"));
  sh("openssl pkeyutl -verifyrecover -pubin -inkey rsa.pem -in s2.bin -out recovered.bin && cmp recovered.bin di.bin");
  // RSA-PSS (the card does the raw RSA operation on the module's PSS encoding)
  sh(p11(login + rsa_id + " -m SHA256-RSA-PKCS-PSS --mgf MGF1-SHA256 --salt-len 32 -i data.txt -o s3.bin"));
  EXPECT_NE(sh("openssl dgst -sha256 -verify rsa.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 "
               "-signature s3.bin data.txt")
                .find("Verified OK"),
            std::string::npos);
  // ECDSA with hashing, and ECDSA over a hash, in the DER form openssl reads
  sh(p11(login + ec_id + " -m ECDSA-SHA256 --signature-format openssl -i data.txt -o s4.bin"));
  EXPECT_NE(sh("openssl dgst -sha256 -verify ec.pem -signature s4.bin data.txt").find("Verified OK"),
            std::string::npos);
  sh("openssl dgst -sha256 -binary data.txt > hash.bin");
  sh(p11(login + ec_id + " -m ECDSA --signature-format openssl -i hash.bin -o s5.bin"));
  EXPECT_NE(sh("openssl pkeyutl -verify -pubin -inkey ec.pem -in hash.bin -sigfile s5.bin").find("Success"),
            std::string::npos);
  // A signature over other data does not verify: the checks above can fail.
  write("other.txt", "başka metin\n");
  sh("openssl dgst -sha256 -verify rsa.pem -signature s1.bin other.txt", 1);
}

TEST_F(Clients, Pkcs11ToolChangesThePinAndUnblocksWithThePuk) {
  std::string state = insert(Variant::Pre2011);
  sh(p11("--login --pin 123456 --change-pin --new-pin 24682468"));
  EXPECT_EQ(vcard::load(state).pin(0x81)->value, to_bytes("24682468"));  // the card itself holds the new PIN
  for (int i = 0; i < 3; ++i) sh(p11("--login --pin 000000 --list-objects --type privkey"), 1);
  EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
  sh(p11("--login --login-type so --so-pin 87654321 --init-pin --new-pin 11335577"));
  EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 3);
  export_public_key(kSignKey, "rsa.pem");
  sh(p11("--login --pin 11335577 --sign --id " + id_of(kSignKey) + " -m SHA256-RSA-PKCS -i data.txt -o s.bin"));
  EXPECT_NE(sh("openssl dgst -sha256 -verify rsa.pem -signature s.bin data.txt").find("Verified OK"),
            std::string::npos);
}

TEST_F(Clients, Pkcs11ToolWritesAndDeletesACertificateOnTheCard) {
  std::string state = insert(Variant::Post2011);
  // A certificate of another card (no key of its own here, not the issuer's): one a holder may add and remove.
  const Bytes other = material_for("1.0").keys.at(0).cert_der;
  write("other.der", std::string(other.begin(), other.end()));
  // Off by default: the card is left alone.
  sh(p11("--login --pin 123456 --write-object other.der --type cert --id 99 --label 'Test Kök SM'"), 1);
  write("pkcs11.conf", "allow_certificate_writes = yes\n");
  const std::string conf = "AKIS_PKCS11_CONF=pkcs11.conf ";
  sh(conf + p11("--login --pin 123456 --write-object other.der --type cert --id 99 --label 'Test Kök SM'"));
  EXPECT_NE(sh(p11("--list-objects --type cert")).find("Test Kök SM"), std::string::npos);
  sh(p11("--read-object --type cert --id 99 -o back.der") + " && cmp back.der other.der");
  auto on_card = [&] {
    for (auto& f : vcard::load(state).files)
      if (f.path.size() == 6 && f.path[4] == 0x2F && f.path[5] == 0x11) return true;
    return false;
  };
  EXPECT_TRUE(on_card());  // written to a new EF of the card, not kept in memory
  sh(conf + p11("--login --pin 123456 --delete-object --type cert --id 99"));
  EXPECT_EQ(sh(p11("--list-objects --type cert")).find("Test Kök SM"), std::string::npos);
  EXPECT_FALSE(on_card());
}

TEST_F(Clients, LogAndApduTraceNeverShowThePin) {
  insert(Variant::Pre2011);
  write("pkcs11.conf", "# module configuration\nlog_level = debug\nlog_file = " + dir_ + "/module.log\napdu_trace = " +
                           dir_ + "/apdu.log\n");
  sh("AKIS_PKCS11_CONF=pkcs11.conf " + p11("--login --pin 918273 --list-objects --type privkey"), 1);  // wrong PIN
  sh("AKIS_PKCS11_CONF=pkcs11.conf " + p11("--login --pin 123456 --change-pin --new-pin 246813579"));
  std::string out;
  run_command("cat '" + dir_ + "/apdu.log' '" + dir_ + "/module.log'", out);
  EXPECT_NE(out.find("00 20 00 81 <redacted>"), std::string::npos) << out;  // VERIFY is there...
  EXPECT_NE(out.find("token in slot"), std::string::npos) << out;
  for (const char* secret : {"918273", "39 31 38 32 37 33", "123456", "31 32 33 34 35 36", "246813579",
                             "32 34 36 38 31 33 35 37 39"})
    EXPECT_EQ(out.find(secret), std::string::npos) << secret;  // ...the PINs are not
}

TEST_F(Clients, NssListsCertificatesAndSignsCmsThatOpenSslAccepts) {
  insert(Variant::Pre2011);
  sh("mkdir nssdb && certutil -N -d sql:nssdb --empty-password");
  sh("modutil -force -dbdir sql:nssdb -add akis -libfile '" + kModule + "'");
  std::string list = sh("certutil -d sql:nssdb -L -h all");
  EXPECT_NE(list.find("AYŞE GÜL YILDIRIM:Nitelikli İmza Anahtarı"), std::string::npos) << list;
  EXPECT_NE(list.find("AYŞE GÜL YILDIRIM:Şifreleme Anahtarı"), std::string::npos) << list;
  // NSS signs S/MIME only with a digitalSignature certificate whose issuer it trusts. A real NES
  // certificate carries nonRepudiation alone, so the card's second pair signs here.
  sh("certutil -A -d sql:nssdb -n 'AKIS test CA' -t CT,C,C -i '" + ca_cert_path() + "'");
  write("pin.txt", "123456\n");
  sh("cmsutil -S -d sql:nssdb -f pin.txt -N 'AYŞE GÜL YILDIRIM:Şifreleme Anahtarı' -i data.txt -o data.p7s");
  std::string v = sh("openssl cms -verify -inform DER -in data.p7s -CAfile '" + ca_cert_path() +
                     "' -purpose any -out content.txt");
  EXPECT_NE(v.find("Verification successful"), std::string::npos) << v;
  sh("cmp content.txt data.txt");
}

TEST_F(Clients, GnutlsP11toolSignsAndVerifies) {
  insert(Variant::Post2011);
  std::string tokens = sh("p11tool --provider '" + kModule + "' --list-tokens");
  EXPECT_NE(tokens.find("AKIS 2.x"), std::string::npos) << tokens;
  std::string certs = sh("p11tool --provider '" + kModule + "' --list-all-certs");
  EXPECT_NE(certs.find("Nitelikli"), std::string::npos) << certs;
  std::string url = "pkcs11:token=AY%C5%9EE%20G%C3%9CL%20YILDIRIM;object=Nitelikli%20%C4%B0mza%20Anahtar%C4%B1";
  std::string out = sh("GNUTLS_PIN=123456 p11tool --provider '" + kModule + "' --login --test-sign '" + url + "'");
  EXPECT_NE(out.find("Verifying against public key in the token... ok"), std::string::npos) << out;
}

TEST_F(Clients, JavaKeyStoreSeesBothKeyPairsOfASealAndSignsWithEach) {
#ifdef AKIS_SANITIZED
  GTEST_SKIP() << "the JVM cannot run with a preloaded ASan runtime; the normal build runs this test";
#endif
  insert(Variant::Seal);  // two RSA pairs: the vendor library makes SunPKCS11 refuse this key store
  std::string out = sh("java '" + std::string(AKIS_JAVA_SOURCE) + "' '" + kModule + "' 123456");
  EXPECT_NE(out.find("keys=2 verified=2"), std::string::npos) << out;
}

TEST_F(Clients, TwoProcessesSignOnOneCardAtOnce) {
  insert(Variant::Pre2011);
  export_public_key(kSignKey, "rsa.pem");
  const std::string id = id_of(kSignKey);
  auto loop = [&](int who) {
    std::string cmd = "for i in 1 2 3 4 5 6 7 8 9 10; do " +
                      p11("--login --pin 123456 --sign --id " + id + " -m SHA256-RSA-PKCS -i data.txt -o p" +
                          std::to_string(who) + "-$i.bin") +
                      " >/dev/null 2>&1 || exit 1; done";
    std::string out;
    return run_command("cd '" + dir_ + "' && " + AKIS_HOST_ENV + "sh -c '" + quote(cmd) + "'", out);
  };
  auto a = std::async(std::launch::async, loop, 1);
  auto b = std::async(std::launch::async, loop, 2);
  EXPECT_EQ(a.get(), 0);
  EXPECT_EQ(b.get(), 0);
  // After both programs have logged out the card is logged out as well.
  EXPECT_NE(sh(std::string("LANG=C ") + AKIS_CLI_BIN + " info --json").find("\"verified\": false"), std::string::npos);
  for (int who = 1; who <= 2; ++who)
    for (int i = 1; i <= 10; ++i)
      sh("openssl dgst -sha256 -verify rsa.pem -signature p" + std::to_string(who) + "-" + std::to_string(i) +
         ".bin data.txt");
}

}  // namespace
