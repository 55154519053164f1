// SPDX-License-Identifier: LGPL-2.1-or-later
// The module writes the recording format itself (`apdu_record = FILE` in pkcs11.conf, or AKIS_APDU_RECORD):
// after a flow on a virtual card (objects, login, a signature) the file replays through the replay transport
// as the same card, sanitised by default (no holder data in it, the same objects, and the recorded signature
// verifies with the replayed certificate), raw with apdu_trace_personal. And the probe's mechanism list is the
// module's C_GetMechanismList on every family.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "akis/trace.hpp"
#include "evidence_util.hpp"
#include "module_view.hpp"

using namespace akis;
using namespace akis::test;

namespace {

struct Flow {
  std::string view;
  Bytes signature;
  Bytes cert;  // of the signing key
};

class ModuleRecording : public ModuleView {
 protected:
  void TearDown() override {
    ::unsetenv("AKIS_PKCS11_CONF");
    trace::configure_record("");
    trace::set_personal(false);
    ModuleView::TearDown();
  }
  // Objects, login, one SHA256_RSA_PKCS signature: on the live card, or on the replay of a recording.
  Flow flow(const char* reader) {
    Flow out;
    out.view = shape(reader);
    CK_SESSION_HANDLE h = open(false, reader);
    EXPECT_EQ(login(h, "123456"), CKR_OK);
    CK_OBJECT_HANDLE key = private_key(h, CKK_RSA);
    EXPECT_EQ(sign(h, {CKM_SHA256_RSA_PKCS, nullptr, 0}, key, to_bytes("kayıt"), out.signature), CKR_OK);
    out.cert = cert_for(h, key);
    EXPECT_EQ(f->C_CloseSession(h), CKR_OK);
    return out;
  }
  std::string record(const vcard::CardState& state, bool personal, Flow* live) {
    const std::string dir = temp_dir() + "/module-record-" + std::to_string(personal);
    const std::string file = dir + "/card.rec", conf = dir + "/pkcs11.conf";
    std::filesystem::create_directories(dir);
    std::filesystem::remove(file);
    std::ofstream(conf) << "apdu_record = " << file << "\n" << (personal ? "apdu_trace_personal = yes\n" : "");
    ::setenv("AKIS_PKCS11_CONF", conf.c_str(), 1);
    readers().insert(kReaderA, std::make_shared<vcard::VirtualCard>(state));
    init();
    *live = flow(kReaderA);
    EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
    readers().clear();
    ::unsetenv("AKIS_PKCS11_CONF");
    return file;
  }
  Flow replay(const std::string& file) {
    set_replay_recording(read_recording(file));
    p11::set_backend_factory(&make_replay_backend);
    init();
    Flow out = flow(kReplayReader);
    EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
    return out;
  }
};

TEST_F(ModuleRecording, SanitisedByDefaultAndReplaysAsTheCard) {
  use_key_dir(temp_dir() + "/key-module-record");
  vcard::PersonaliseOptions o = personality_options("2x", {});
  o.holder = "ŞÜKRÜ ÇAĞLAYAN ÖZGÜRTEST";
  o.national_id = vcard::make_tc_kimlik_no();
  o.serial_hex = "A1B2C3D4E5F60718293A4B5C";
  Flow live;
  const std::string file = record(vcard::personalise(o), false, &live);
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_NE(text.find("akis-recording 1"), std::string::npos) << text.substr(0, 300);
  for (auto& v : {o.holder, o.national_id, o.serial_hex, std::string("ÖZGÜRTEST"), std::string("123456")})
    for (auto& e : encodings(v)) EXPECT_EQ(text.find(e), std::string::npos) << "the recording holds " << e;
  EXPECT_NE(text.find("> 00200081*"), std::string::npos) << "the VERIFY is recorded by its header";

  const Flow again = replay(file);
  EXPECT_EQ(again.view, live.view);
  EXPECT_EQ(again.signature, live.signature);
  EXPECT_NE(again.cert, live.cert);  // re-issued: a synthetic holder, the card's public key
  EXPECT_TRUE(verify_with_cert(again.cert, to_bytes("kayıt"), again.signature, "SHA256", "pkcs1"));
}

TEST_F(ModuleRecording, PersonalRecordingIsTheRawCard) {
  use_key_dir(temp_dir() + "/key-module-record-raw");
  Flow live;
  const std::string file = record(personality_state("1.0", {}), true, &live);
  const Flow again = replay(file);
  EXPECT_EQ(again.view, live.view);
  EXPECT_EQ(again.cert, live.cert);
  EXPECT_EQ(again.signature, live.signature);
}

// C_GetMechanismList names, from the PKCS#11 header's constants (not from the module's table).
std::string mechanism_name(CK_MECHANISM_TYPE m) {
  static const std::map<CK_MECHANISM_TYPE, const char*> names = {
      {CKM_RSA_PKCS, "CKM_RSA_PKCS"}, {CKM_RSA_X_509, "CKM_RSA_X_509"}, {CKM_SHA1_RSA_PKCS, "CKM_SHA1_RSA_PKCS"},
      {CKM_SHA224_RSA_PKCS, "CKM_SHA224_RSA_PKCS"}, {CKM_SHA256_RSA_PKCS, "CKM_SHA256_RSA_PKCS"},
      {CKM_SHA384_RSA_PKCS, "CKM_SHA384_RSA_PKCS"}, {CKM_SHA512_RSA_PKCS, "CKM_SHA512_RSA_PKCS"},
      {CKM_RSA_PKCS_PSS, "CKM_RSA_PKCS_PSS"}, {CKM_SHA1_RSA_PKCS_PSS, "CKM_SHA1_RSA_PKCS_PSS"},
      {CKM_SHA224_RSA_PKCS_PSS, "CKM_SHA224_RSA_PKCS_PSS"}, {CKM_SHA256_RSA_PKCS_PSS, "CKM_SHA256_RSA_PKCS_PSS"},
      {CKM_SHA384_RSA_PKCS_PSS, "CKM_SHA384_RSA_PKCS_PSS"}, {CKM_SHA512_RSA_PKCS_PSS, "CKM_SHA512_RSA_PKCS_PSS"},
      {CKM_RSA_PKCS_OAEP, "CKM_RSA_PKCS_OAEP"}, {CKM_ECDSA, "CKM_ECDSA"}, {CKM_ECDSA_SHA1, "CKM_ECDSA_SHA1"},
      {CKM_ECDSA_SHA224, "CKM_ECDSA_SHA224"}, {CKM_ECDSA_SHA256, "CKM_ECDSA_SHA256"},
      {CKM_ECDSA_SHA384, "CKM_ECDSA_SHA384"}, {CKM_ECDSA_SHA512, "CKM_ECDSA_SHA512"}, {CKM_SHA_1, "CKM_SHA_1"},
      {CKM_SHA224, "CKM_SHA224"}, {CKM_SHA256, "CKM_SHA256"}, {CKM_SHA384, "CKM_SHA384"}, {CKM_SHA512, "CKM_SHA512"}};
  auto it = names.find(m);
  return it == names.end() ? "0x" + to_hex(Bytes{static_cast<std::uint8_t>(m >> 8), static_cast<std::uint8_t>(m)}) : it->second;
}

class ProbeMechanisms : public P11, public ::testing::WithParamInterface<Case> {};

TEST_P(ProbeMechanisms, AreTheModulesForTheFamily) {
  use_key_dir(temp_dir() + "/key-mechanisms");
  const auto state = personality_state(GetParam().family, GetParam().quirks, GetParam().puk);
  auto res = cli::run_probe(std::make_unique<vcard::InProcessTransport>(std::make_shared<vcard::VirtualCard>(state)));
  readers().insert(kReaderA, std::make_shared<vcard::VirtualCard>(state));
  init();
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_GetMechanismList(slot_of(kReaderA), nullptr, &n), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> mechs(n);
  ASSERT_EQ(f->C_GetMechanismList(slot_of(kReaderA), mechs.data(), &n), CKR_OK);
  std::set<std::string> module, probe;
  for (auto m : mechs) module.insert(mechanism_name(m));
  for (auto& m : res.report["module"]["mechanisms"]) probe.insert(m.get<std::string>());
  EXPECT_EQ(probe, module) << res.report["module"].dump();
  EXPECT_EQ(res.report["module"]["mechanisms_for"]["family"], family_of_atr(state.atr).name);
  // The family's keys decide: an EC key brings ECDSA, RSA keys the RSA mechanisms.
  bool ec = false;
  for (auto& k : res.report["module"]["mechanisms_for"]["keys"]) ec |= k.get<std::string>().rfind("ec-", 0) == 0;
  EXPECT_EQ(module.count("CKM_ECDSA"), ec ? 1u : 0u);
  EXPECT_EQ(module.count("CKM_RSA_PKCS"), 1u);
}

INSTANTIATE_TEST_SUITE_P(Families, ProbeMechanisms,
                         ::testing::Values(Case{"1.0", {}}, Case{"1x", {}}, Case{"2x", {}}, Case{"1x", {}, false},
                                           Case{"2x", {}, false}));

}  // namespace
