// SPDX-License-Identifier: LGPL-2.1-or-later
// Through the real PC/SC stack: pcscd + vpcd + the virtual card process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "akis/card.hpp"
#include "akis/error.hpp"
#include "akis/pcsc.hpp"
#include "cards.hpp"
#include "ossl.hpp"
#include "pcsc_fixture.hpp"
#include "processes.hpp"

using namespace akis;
using namespace std::chrono_literals;
using akis::test::Pcscd;
using akis::test::code_of;
using akis::test::Variant;

namespace {

class PcscCard : public test::PcscTest {
 protected:
  std::unique_ptr<Card> connect(const std::string& reader = Pcscd::kReader0) {
    ctx_ = std::make_shared<pcsc::Context>();
    return std::make_unique<Card>(std::make_unique<pcsc::PcscTransport>(ctx_, reader));
  }
  std::shared_ptr<pcsc::Context> ctx_;
};

TEST_F(PcscCard, SeesTheReaderAndTheAkisAtr) {
  insert(Variant::Pre2011);
  pcsc::Context ctx;
  bool found = false;
  for (auto& st : ctx.states()) {
    if (st.name != Pcscd::kReader0) continue;
    found = true;
    EXPECT_TRUE(st.present);
    EXPECT_EQ(classify_atr(st.atr).family, AtrFamily::V2_x);
  }
  EXPECT_TRUE(found);
  std::string out;
  ASSERT_EQ(test::run_command("opensc-tool -l", out), 0) << out;
  EXPECT_NE(out.find("Yes             Virtual PCD 00 00"), std::string::npos) << out;
  EXPECT_NE(out.find("No              Virtual PCD 00 01"), std::string::npos) << out;
}

TEST_F(PcscCard, ReadsCertificatesThatVerifyWithOpenSsl) {
  insert(Variant::Pre2011);
  auto card = connect();
  const auto& p = card->profile();
  ASSERT_EQ(p.certificates.size(), 3u);
  for (auto& c : p.certificates) {
    const Bytes& der = card->certificate(c);
    EXPECT_TRUE(test::cert_verifies_against(der, test::ca_cert_path())) << c.label;
  }
  // And with the openssl command line, from the DER read through PC/SC.
  std::string path = test::temp_dir() + "/card-cert.der", out;
  {
    const Bytes& der = card->certificate(p.certificates[0]);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(der.data()),
                                                static_cast<std::streamsize>(der.size()));
  }
  ASSERT_EQ(test::run_command("openssl x509 -inform DER -in " + path + " -out " + path + ".pem && openssl verify -CAfile " +
                                  test::ca_cert_path() + " " + path + ".pem",
                              out),
            0)
      << out;
  EXPECT_NE(out.find("OK"), std::string::npos) << out;
}

TEST_F(PcscCard, PinCounterGoesDownAndBackUp) {
  insert(Variant::Pre2011);
  auto card = connect();
  const PinInfo& pin = *card->profile().user_pin();
  EXPECT_EQ(card->pin_status(pin).tries_left, 3);
  try {
    card->verify(pin, Secret("000000"));
    FAIL();
  } catch (const CardError& e) {
    EXPECT_EQ(e.code(), Err::WrongPin);
    EXPECT_EQ(e.tries_left(), 2);
  }
  EXPECT_EQ(card->pin_status(pin).tries_left, 2);
  card->verify(pin, Secret("123456"));
  card->logout();
  EXPECT_EQ(card->pin_status(pin).tries_left, 3);
}

TEST_F(PcscCard, ChangeBlockAndUnblockWithPuk) {
  insert(Variant::Pre2011);
  auto card = connect();
  const auto& p = card->profile();
  card->change_pin(*p.user_pin(), Secret("123456"), Secret("11223344"));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(code_of([&] { card->verify(*p.user_pin(), Secret("123456")); }), Err::WrongPin);
  EXPECT_TRUE(card->pin_status(*p.user_pin()).blocked);
  EXPECT_EQ(code_of([&] { card->verify(*p.user_pin(), Secret("11223344")); }), Err::PinBlocked);
  card->unblock_with_puk(*p.user_pin(), Secret("87654321"), Secret("55667788"));
  EXPECT_EQ(card->pin_status(*p.user_pin()).tries_left, 3);
  card->verify(*p.user_pin(), Secret("55667788"));
}

TEST_F(PcscCard, SignsADigestInfoThatOpenSslVerifies) {
  insert(Variant::Pre2011);
  auto card = connect();
  const auto& p = card->profile();
  card->verify(*p.user_pin(), Secret("123456"));
  const Bytes doc = to_bytes("e-imza: PC/SC üzerinden imzalanan belge");
  Bytes sig = card->sign(p.private_keys[0], test::sha256_digest_info(doc));
  EXPECT_TRUE(test::verify_with_cert(card->certificate(p.certificates[0]), doc, sig, "SHA256", "pkcs1"));
  Bytes ec = card->sign(p.private_keys[2], test::sha256(doc));
  EXPECT_TRUE(test::verify_with_cert(card->certificate(p.certificates[2]), doc, ec, "SHA256", "ecdsa-raw"));
}

TEST_F(PcscCard, T0CardWorksThroughGetResponse) {
  insert(Variant::Pre2011, 35963, {"--t0"});
  auto card = connect();
  const auto& p = card->profile();
  card->verify(*p.user_pin(), Secret("123456"));
  const Bytes doc = to_bytes("T=0");
  Bytes sig = card->sign(p.private_keys[0], test::sha256_digest_info(doc));
  EXPECT_TRUE(test::verify_with_cert(card->certificate(p.certificates[0]), doc, sig, "SHA256", "pkcs1"));
}

TEST_F(PcscCard, CardPulledOutMidCommandGivesRemovalError) {
  insert(Variant::Pre2011, 35963, {"--latency-signature-ms", "1500"});
  auto card = connect();
  const auto& p = card->profile();
  card->verify(*p.user_pin(), Secret("123456"));
  auto pending = std::async(std::launch::async, [&] {
    return code_of([&] { card->sign(p.private_keys[0], test::sha256_digest_info(to_bytes("x"))); });
  });
  std::this_thread::sleep_for(400ms);
  cards_.back()->process().kill_hard();  // the card leaves the reader while it computes
  EXPECT_EQ(pending.get(), Err::CardRemoved);
  test::wait_for_card(Pcscd::kReader0, false);
  EXPECT_EQ(code_of([&] { card->pin_status(*p.user_pin()); }), Err::CardRemoved);
}

TEST_F(PcscCard, StateSurvivesAKilledCardProcess) {
  std::string path = insert(Variant::Pre2011);
  {
    auto card = connect();
    EXPECT_EQ(code_of([&] { card->verify(*card->profile().user_pin(), Secret("000000")); }), Err::WrongPin);
  }
  cards_.back()->process().kill_hard();
  test::wait_for_card(Pcscd::kReader0, false);
  cards_.push_back(std::make_unique<test::VirtualCardProcess>(path, 35963));
  test::wait_for_card(Pcscd::kReader0, true);
  auto card = connect();
  EXPECT_EQ(card->pin_status(*card->profile().user_pin()).tries_left, 2);
}

TEST_F(PcscCard, ACardStartingAfterAKilledSaveLeavesNoTemporaryFiles) {
  std::string path = insert(Variant::Pre2011);
  cards_.back()->process().kill_hard();
  test::wait_for_card(Pcscd::kReader0, false);
  // What a save killed between write and rename leaves (this version's name and the older per-PID one).
  for (const std::string& leftover : {vcard::temp_path_for(path), path + ".tmp.4242"}) {
    std::FILE* f = std::fopen(leftover.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("{ half a state", f);
    std::fclose(f);
  }
  cards_.push_back(std::make_unique<test::VirtualCardProcess>(path, 35963));
  test::wait_for_card(Pcscd::kReader0, true);
  std::string out;
  test::run_command("ls -a '" + test::temp_dir() + "'", out);
  EXPECT_EQ(out.find(path.substr(path.rfind('/') + 1) + ".tmp"), std::string::npos) << out;
  auto card = connect();
  EXPECT_EQ(card->pin_status(*card->profile().user_pin()).tries_left, 3);
}

TEST_F(PcscCard, TwoCardsInTwoReadersSignAtOnce) {
  insert(Variant::Pre2011, 35963);
  insert(Variant::Seal, 35964);
  auto a = connect(Pcscd::kReader0);
  auto ctx2 = std::make_shared<pcsc::Context>();
  auto b = std::make_unique<Card>(std::make_unique<pcsc::PcscTransport>(ctx2, Pcscd::kReader1));
  EXPECT_NE(a->profile().card_serial, b->profile().card_serial);
  auto job = [](Card& c) {
    const auto& p = c.profile();
    c.verify(*p.user_pin(), Secret("123456"));
    int ok = 0;
    for (int i = 0; i < 5; ++i) {
      Bytes m = to_bytes("doc " + std::to_string(i));
      Bytes s = c.sign(p.private_keys[0], test::sha256_digest_info(m));
      ok += test::verify_with_cert(c.certificate(p.certificates[0]), m, s, "SHA256", "pkcs1");
    }
    return ok;
  };
  auto fa = std::async(std::launch::async, job, std::ref(*a));
  auto fb = std::async(std::launch::async, job, std::ref(*b));
  EXPECT_EQ(fa.get(), 5);
  EXPECT_EQ(fb.get(), 5);
}

TEST_F(PcscCard, VirtualCardReconnectsAfterPcscdRestart) {
  insert(Variant::Post2011);
  pcscd_->restart();
  test::wait_for_card(Pcscd::kReader0, true);
  auto card = connect();
  EXPECT_EQ(card->profile().puk(), nullptr);  // post-2011: no PUK
}

TEST_F(PcscCard, OlderFamiliesAreRecognisedByAtrAndApplication) {
  for (const char* family : {"1.0", "1x"}) {
    auto o = test::options_for(Variant::Pre2011);
    o.family = family;
    o.ec_key = false;  // EC keys exist only on 2.x cards
    insert_state(vcard::personalise(o));
    auto card = connect();
    EXPECT_EQ(card->profile().atr.family, std::string(family) == "1.0" ? AtrFamily::V1_0 : AtrFamily::V1_x);
    EXPECT_EQ(card->profile().certificates.size(), 2u);
    card.reset();
    cards_.clear();
    test::wait_for_card(Pcscd::kReader0, false);
  }
}

TEST_F(PcscCard, CardSideTraceRedactsSecrets) {
  std::string trace = test::temp_dir() + "/card-trace.log";
  insert(Variant::Pre2011, 35963, {"--trace", trace});
  auto card = connect();
  card->verify(*card->profile().user_pin(), Secret("123456"));
  card->change_pin(*card->profile().user_pin(), Secret("123456"), Secret("80706050"));
  std::string out;
  test::run_command("cat '" + trace + "'", out);
  EXPECT_NE(out.find("-> 00 20 00 81 <redacted>"), std::string::npos) << out;
  EXPECT_EQ(out.find("00 20 00 81 06"), std::string::npos) << out;  // Lc would give the PIN length away
  EXPECT_EQ(out.find("00 24 01 81 0F"), std::string::npos) << out;  // nor the old and new lengths
  EXPECT_NE(out.find("ATR 3B 9F"), std::string::npos) << out;
  EXPECT_EQ(out.find("31 32 33 34 35 36"), std::string::npos) << out;
  EXPECT_EQ(out.find("38 30 37 30 36 30 35 30"), std::string::npos) << out;
}

TEST_F(PcscCard, RemovalAndReinsertionBySignal) {
  insert(Variant::Pre2011);
  cards_.back()->remove();
  test::wait_for_card(Pcscd::kReader0, false);
  cards_.back()->insert();
  test::wait_for_card(Pcscd::kReader0, true);
  auto card = connect();
  EXPECT_EQ(card->profile().certificates.size(), 3u);
}

}  // namespace
