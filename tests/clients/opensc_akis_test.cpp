// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenSC's own AKİS driver (card-akis.c, written by the card's makers; Debian 12's opensc 0.23 still ships it,
// disabled by default) against the virtual v1.0 card, through the real pcscd: the driver is the best public
// evidence of what a v1.0 card answers, so where it and our model disagree, the model is wrong.
#include <unistd.h>

#include <fstream>

#include "pcsc_fixture.hpp"
#include "personality_support.hpp"

using namespace akis;
using namespace akis::test;

namespace {

const char* kOpenscModule = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

class OpenscAkis : public PcscTest {
 protected:
  void SetUp() override {
    conf_ = temp_dir() + "/opensc-akis.conf";
    std::ofstream(conf_) << "app default {\n  card_drivers = akis;\n  framework pkcs15 {\n"
                            "    use_file_caching = no;\n  }\n}\n";
    state_ = insert_state(personality_state("1.0", {}));
  }
  // Runs an OpenSC program with only the AKİS driver enabled; returns its exit status.
  int opensc(const std::string& args, std::string& out) {
    return run_command("OPENSC_CONF='" + conf_ + "' " + args, out);
  }
  void write_file(const std::string& path, ByteView data) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                                static_cast<std::streamsize>(data.size()));
  }
  std::string conf_, state_;
};

TEST_F(OpenscAkis, DriverReadsNameSerialFilesAndTheApplication) {
  std::string out;
  ASSERT_EQ(opensc("opensc-tool --name", out), 0) << out;
  EXPECT_NE(out.find("AKIS"), std::string::npos) << out;

  ASSERT_EQ(opensc("opensc-tool --serial", out), 0) << out;
  EXPECT_NE(out.find(to_hex(vcard::load(state_).serial, ' ')), std::string::npos) << out;

  const std::string script = temp_dir() + "/explorer.txt";
  std::ofstream(script) << "ls\ncd 5015\nls\n";
  ASSERT_EQ(opensc("opensc-explorer '" + script + "'", out), 0) << out;
  // LIST FILES (80 18) in the MF and in the application DF, each FID then selected by path.
  for (const char* fid : {"[5015]", "5031", "5032", "4401", "4402", "4403", "4404", "2F10", "4B01", "0001"})
    EXPECT_NE(out.find(fid), std::string::npos) << fid << " missing in\n" << out;

  ASSERT_EQ(opensc("pkcs15-tool -D", out), 0) << out;
  for (const char* s : {"Private RSA Key [Nitelikli İmza Anahtarı]", "Key ref        : 1 (0x01)",
                        "Path           : 3f0050150001", "X.509 Certificate [Nitelikli İmza Anahtarı]",
                        "Reference      : 129 (0x81)", "unblockingPin"})
    EXPECT_NE(out.find(s), std::string::npos) << s << " missing in\n" << out;
  EXPECT_EQ(read_tries(state_), (Tries{3, 3}));
}

TEST_F(OpenscAkis, VerifyChangeAndSignThenOurModuleTakesTheNewPin) {
  std::string out;
  ASSERT_EQ(opensc("pkcs15-tool --verify-pin --auth-id 01 --pin 123456", out), 0) << out;
  EXPECT_EQ(read_tries(state_), (Tries{3, 3}));
  EXPECT_NE(opensc("pkcs15-tool --verify-pin --auth-id 01 --pin 000000", out), 0) << out;
  EXPECT_EQ(read_tries(state_), (Tries{2, 3})) << "one deliberately wrong PIN through OpenSC";

  ASSERT_EQ(opensc("pkcs15-tool --change-pin --auth-id 01 --pin 123456 --new-pin 11223344", out), 0) << out;
  EXPECT_EQ(read_tries(state_), (Tries{3, 3}));

  // A signature through OpenSC's PKCS#11 module (key path selected, MSE, PSO), verified by the openssl tool.
  const std::string dir = temp_dir(), data = dir + "/opensc-data.txt", sig = dir + "/opensc-sig.bin";
  const std::string cert = dir + "/opensc-cert.der", pub = dir + "/opensc-pub.pem";
  std::ofstream(data) << "OpenSC'nin AKİS sürücüsüyle imza\n";
  write_file(cert, material_for("1.0").keys[0].cert_der);
  ASSERT_EQ(opensc(std::string("pkcs11-tool --module ") + kOpenscModule +
                       " --login --pin 11223344 --sign -m SHA256-RSA-PKCS --input-file '" + data +
                       "' --output-file '" + sig + "'",
                   out),
            0)
      << out;
  ASSERT_EQ(run_command("openssl x509 -inform DER -in '" + cert + "' -pubkey -noout > '" + pub + "'", out), 0) << out;
  ASSERT_EQ(run_command("openssl dgst -sha256 -verify '" + pub + "' -signature '" + sig + "' '" + data + "'", out), 0)
      << out;
  EXPECT_NE(out.find("Verified OK"), std::string::npos) << out;
  EXPECT_EQ(read_tries(state_), (Tries{3, 3}));

  // Our module on the same card, with the PIN OpenSC set.
  LoadedP11 module(AKIS_MODULE_PATH);
  P11Flow p(*module.f);
  ASSERT_EQ(p.f.C_Initialize(nullptr), CKR_OK);
  CK_SLOT_ID slot = 0;
  ASSERT_TRUE(p.slot_with_token(slot));
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(p.f.C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
  EXPECT_EQ(p.login(h, CKU_USER, "11223344"), CKR_OK);
  auto keys = p.find(h, CKO_PRIVATE_KEY);
  ASSERT_FALSE(keys.empty());
  Bytes msg = to_bytes("bizim modülümüzle imza"), signature;
  ASSERT_EQ(p.sign(h, keys[0], CKM_SHA256_RSA_PKCS, msg, signature), CKR_OK);
  write_file(data, msg);
  write_file(sig, signature);
  EXPECT_EQ(run_command("openssl dgst -sha256 -verify '" + pub + "' -signature '" + sig + "' '" + data + "'", out), 0)
      << out;
  p.f.C_CloseSession(h);
  p.f.C_Finalize(nullptr);
  EXPECT_EQ(read_tries(state_), (Tries{3, 3}));
}

}  // namespace
