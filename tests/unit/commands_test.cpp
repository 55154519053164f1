// SPDX-License-Identifier: LGPL-2.1-or-later
// Every AKİS command against the in-process virtual card, in T=1 and T=0 behaviour.
#include <gtest/gtest.h>

#include "akis/card.hpp"
#include "akis/error.hpp"
#include "cards.hpp"
#include "expect.hpp"
#include "ossl.hpp"

#include <fstream>

using namespace akis;
using akis::test::code_of;
using akis::test::Variant;

namespace {

class Commands : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { use(Variant::Pre2011); }
  void use(Variant v) {
    c_ = test::make_card(v, GetParam());
    ch_ = std::make_unique<Channel>(*c_.transport);
    cmds_ = std::make_unique<AkisCommands>(*ch_);
  }
  CardProfile profile() { return read_profile(*cmds_, c_.transport->atr()); }
  Bytes cert_of(const CardProfile& p, std::size_t i) {
    return cmds_->read_file(cmds_->select_path(p.certificates.at(i).path));
  }
  test::InProcessCard c_;
  std::unique_ptr<Channel> ch_;
  std::unique_ptr<AkisCommands> cmds_;
};

TEST_P(Commands, SelectAndReadFiles) {
  FileInfo mf = cmds_->select_df(0x3F00);
  EXPECT_TRUE(mf.is_df);
  FileInfo app = cmds_->select_name(kPkcs15DfName);
  EXPECT_TRUE(app.is_df);
  EXPECT_EQ(app.df_name, kPkcs15DfName);
  EXPECT_EQ(app.fid, 0x5015);
  FileInfo odf = cmds_->select_ef(0x5031);
  EXPECT_FALSE(odf.is_df);
  EXPECT_GT(odf.size, 10u);
  EXPECT_TRUE(odf.security & fci_security::kRead);
  Bytes data = cmds_->read_file(odf);
  EXPECT_EQ(data.size(), odf.size);
  EXPECT_EQ(data[0], 0xA0);
  // The same file by path, with and without the MF identifier.
  EXPECT_EQ(cmds_->select_path(from_hex("3F0050155031")).size, odf.size);
  EXPECT_EQ(cmds_->select_path(from_hex("50155031")).size, odf.size);
  EXPECT_EQ(code_of([&] { cmds_->select_ef(0x1234); }), Err::FileNotFound);
  EXPECT_EQ(code_of([&] { cmds_->select_name(to_bytes("NOPE")); }), Err::FileNotFound);
}

TEST_P(Commands, ProfileDescribesPinsKeysAndCertificates) {
  CardProfile p = profile();
  EXPECT_EQ(p.atr.family, AtrFamily::V2_x);
  EXPECT_EQ(p.card_serial, c_.card->state().serial);
  EXPECT_EQ(p.life_cycle, LifeCycle::User);
  ASSERT_NE(p.user_pin(), nullptr);
  EXPECT_EQ(p.user_pin()->reference, 0x81);
  EXPECT_EQ(p.user_pin()->min_length, 6u);
  EXPECT_EQ(p.user_pin()->max_length, 12u);
  ASSERT_NE(p.puk(), nullptr);
  EXPECT_EQ(p.puk()->reference, 0x82);
  ASSERT_EQ(p.private_keys.size(), 3u);
  ASSERT_EQ(p.certificates.size(), 3u);
  ASSERT_EQ(p.public_keys.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(p.private_keys[i].id, p.certificates[i].id);  // one CKA_ID per pair
    EXPECT_NE(p.public_key_for(p.private_keys[i].id), nullptr);
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(p.private_keys[i].id, p.private_keys[j].id);
  }
  EXPECT_EQ(p.private_keys[0].type, KeyType::Rsa);
  EXPECT_EQ(p.private_keys[0].bits, 2048u);
  EXPECT_TRUE(p.private_keys[0].usage & key_usage::kNonRepudiation);
  EXPECT_TRUE(p.private_keys[1].usage & key_usage::kDecrypt);
  EXPECT_EQ(p.private_keys[2].type, KeyType::Ec);
  EXPECT_EQ(p.private_keys[2].bits, 256u);
  EXPECT_EQ(p.token.label, "AYŞE GÜL YILDIRIM");
  // Certificates are real X.509 issued by the test CA, with the holder and the T.C. number.
  Bytes der = cert_of(p, 0);
  EXPECT_TRUE(test::cert_verifies_against(der, test::ca_cert_path()));
  EXPECT_NE(test::cert_subject(der).find("serialNumber=10000000146"), std::string::npos);
}

TEST_P(Commands, VerifyCountsTriesAndResets) {
  cmds_->select_name(kPkcs15DfName);
  EXPECT_EQ(cmds_->pin_status(0x81).tries_left, 3);
  try {
    cmds_->verify(0x81, Secret("000000"));
    FAIL();
  } catch (const CardError& e) {
    EXPECT_EQ(e.code(), Err::WrongPin);
    EXPECT_EQ(e.tries_left(), 2);
  }
  PinStatus st = cmds_->pin_status(0x81);
  EXPECT_EQ(st.tries_left, 2);
  EXPECT_FALSE(st.verified);
  cmds_->verify(0x81, Secret("123456"));
  EXPECT_TRUE(cmds_->pin_status(0x81).verified);
  cmds_->logout();
  EXPECT_EQ(cmds_->pin_status(0x81).tries_left, 3);  // a right PIN restored the counter
}

TEST_P(Commands, BlockThenUnblockWithPuk) {
  cmds_->select_name(kPkcs15DfName);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(code_of([&] { cmds_->verify(0x81, Secret("999999")); }), Err::WrongPin);
  EXPECT_TRUE(cmds_->pin_status(0x81).blocked);
  EXPECT_EQ(code_of([&] { cmds_->verify(0x81, Secret("123456")); }), Err::PinBlocked);
  // ISO unblock: VERIFY of the PUK, then RESET RETRY COUNTER P1=02 with the new PIN only.
  // A wrong PUK spends a PUK try, the PIN stays blocked and the reset is refused.
  EXPECT_EQ(code_of([&] { cmds_->verify(0x82, Secret("11111111")); }), Err::WrongPin);
  EXPECT_EQ(cmds_->pin_status(0x82).tries_left, 2);
  EXPECT_EQ(code_of([&] { cmds_->unblock_authorised(0x81, Secret("654321")); }), Err::SecurityStatus);
  cmds_->verify(0x82, Secret("87654321"));
  cmds_->unblock_authorised(0x81, Secret("654321"));
  EXPECT_EQ(cmds_->pin_status(0x81).tries_left, 3);
  EXPECT_TRUE(cmds_->pin_status(0x82).verified);  // the PUK's counter is back to full, its status stays verified
  cmds_->verify(0x81, Secret("654321"));
}

TEST_P(Commands, ChangePinChecksPolicyBeforeSpendingATry) {
  cmds_->select_name(kPkcs15DfName);
  EXPECT_EQ(code_of([&] { cmds_->change_pin(0x81, Secret("123456"), Secret("12")); }), Err::WrongData);
  EXPECT_EQ(cmds_->pin_status(0x81).tries_left, 3);
  EXPECT_EQ(code_of([&] { cmds_->change_pin(0x81, Secret("000000"), Secret("24682468")); }), Err::WrongPin);
  cmds_->change_pin(0x81, Secret("123456"), Secret("24682468"));
  cmds_->logout();
  EXPECT_EQ(code_of([&] { cmds_->verify(0x81, Secret("123456")); }), Err::WrongPin);
  cmds_->verify(0x81, Secret("24682468"));
}

TEST_P(Commands, OnlineUnblockNeedsFreshIssuerCryptogram) {
  use(Variant::Post2011);
  cmds_->select_name(kPkcs15DfName);
  for (int i = 0; i < 3; ++i) cmds_->pin_status(0x81), code_of([&] { cmds_->verify(0x81, Secret("999999")); });
  ASSERT_TRUE(cmds_->pin_status(0x81).blocked);
  // No PUK on a post-2011 card.
  EXPECT_EQ(code_of([&] { cmds_->verify(0x82, Secret("87654321")); }), Err::ReferenceNotFound);
  // Without the issuer's authorisation the reset is refused.
  EXPECT_EQ(code_of([&] { cmds_->unblock_authorised(0x81, Secret("654321")); }), Err::SecurityStatus);
  std::ifstream in(test::issuer_master_path());
  std::string hex;
  in >> hex;
  Bytes key = vcard::diversify_unblock_key(from_hex(hex), c_.card->state().serial);
  auto cryptogram = [&](const Bytes& challenge) {
    // What the unlock service computes: HMAC-SHA256(card key, challenge || serial).
    Bytes msg = challenge;
    append(msg, c_.card->state().serial);
    return test::hmac_sha256(key, msg);
  };
  Bytes ch1 = cmds_->get_challenge(8);
  Bytes auth1 = cryptogram(ch1);
  // A cryptogram for an old challenge does not open a new one (replay).
  cmds_->get_challenge(8);
  // (63 Cx: refused, x tries of the issuer key left)
  EXPECT_EQ(code_of([&] { cmds_->external_authenticate(0x01, auth1); }), Err::WrongPin);
  EXPECT_EQ(code_of([&] { cmds_->unblock_authorised(0x81, Secret("654321")); }), Err::SecurityStatus);
  // A cryptogram made with another card's key fails too.
  Bytes other = vcard::diversify_unblock_key(from_hex(hex), Bytes(12, 0x42));
  Bytes ch2 = cmds_->get_challenge(8);
  Bytes msg2 = ch2;
  append(msg2, c_.card->state().serial);
  EXPECT_EQ(code_of([&] { cmds_->external_authenticate(0x01, test::hmac_sha256(other, msg2)); }), Err::WrongPin);
  // The right one, once.
  Bytes ch3 = cmds_->get_challenge(8);
  cmds_->external_authenticate(0x01, cryptogram(ch3));
  cmds_->unblock_authorised(0x81, Secret("654321"));
  EXPECT_EQ(cmds_->pin_status(0x81).tries_left, 3);
  EXPECT_EQ(code_of([&] { cmds_->unblock_authorised(0x81, Secret("111111")); }), Err::SecurityStatus);
  cmds_->verify(0x81, Secret("654321"));
}

TEST_P(Commands, SignsRsaPkcs1RawPssAndEcdsa) {
  CardProfile p = profile();
  const Bytes msg = to_bytes("Bu belge nitelikli elektronik imza ile imzalanmıştır.");
  cmds_->select_name(kPkcs15DfName);
  cmds_->select_key(p.private_keys[0].key_reference);
  EXPECT_EQ(code_of([&] { cmds_->compute_signature(test::sha256_digest_info(msg)); }), Err::SecurityStatus);
  cmds_->verify(0x81, Secret("123456"));
  cmds_->select_key(p.private_keys[0].key_reference);
  Bytes sig = cmds_->compute_signature(test::sha256_digest_info(msg));
  ASSERT_EQ(sig.size(), 256u);  // more than 244 bytes: came through GET RESPONSE
  EXPECT_TRUE(test::verify_with_cert(cert_of(p, 0), msg, sig, "SHA256", "pkcs1"));
  // Raw RSA on a host-made PSS block: 256 bytes of input need command chaining.
  Bytes em = test::pss_encode_sha256(cert_of(p, 0), msg);
  cmds_->select_key(p.private_keys[0].key_reference);
  Bytes pss = cmds_->compute_signature(em);
  EXPECT_TRUE(test::verify_with_cert(cert_of(p, 0), msg, pss, "SHA256", "pss"));
  // ECDSA P-256 over a SHA-256 hash, r||s.
  cmds_->select_key(p.private_keys[2].key_reference);
  Bytes ecsig = cmds_->compute_signature(test::sha256(msg));
  EXPECT_EQ(ecsig.size(), 64u);
  EXPECT_TRUE(test::verify_with_cert(cert_of(p, 2), msg, ecsig, "SHA256", "ecdsa-raw"));
  // A signature on other data does not verify (the check can fail).
  EXPECT_FALSE(test::verify_with_cert(cert_of(p, 0), to_bytes("other"), sig, "SHA256", "pkcs1"));
}

TEST_P(Commands, DeciphersWithTheEncryptionKeyOnly) {
  CardProfile p = profile();
  cmds_->select_name(kPkcs15DfName);
  cmds_->verify(0x81, Secret("123456"));
  const Bytes secret = to_bytes("session key 0123456789abcdef");
  Bytes ct = test::encrypt_with_cert(cert_of(p, 1), secret, "pkcs1");
  cmds_->select_key(p.private_keys[1].key_reference);
  Bytes block = cmds_->decipher(ct);
  ASSERT_EQ(block.size(), 256u);
  EXPECT_EQ(test::unpad_pkcs1_type2(block), secret);
  // The signing key refuses to decipher.
  cmds_->select_key(p.private_keys[0].key_reference);
  EXPECT_EQ(code_of([&] { cmds_->decipher(ct); }), Err::ConditionsNotSatisfied);
}

TEST_P(Commands, UserConsentKeyNeedsPinPerSignature) {
  use(Variant::AlwaysAuth);
  CardProfile p = profile();
  EXPECT_EQ(p.private_keys[0].user_consent, 1);
  cmds_->select_name(kPkcs15DfName);
  cmds_->verify(0x81, Secret("123456"));
  cmds_->select_key(p.private_keys[0].key_reference);
  Bytes di = test::sha256_digest_info(to_bytes("x"));
  cmds_->compute_signature(di);
  EXPECT_EQ(code_of([&] { cmds_->compute_signature(di); }), Err::SecurityStatus);
}

TEST_P(Commands, GetDataChallengeListFilesLogout) {
  EXPECT_EQ(cmds_->serial_number(), c_.card->state().serial);
  EXPECT_EQ(cmds_->life_cycle(), LifeCycle::User);
  Bytes a = cmds_->get_challenge(8), b = cmds_->get_challenge(8);
  EXPECT_EQ(a.size(), 8u);
  EXPECT_NE(a, b);
  cmds_->select_name(kPkcs15DfName);
  auto files = cmds_->list_files();
  bool odf = false, cert = false;
  for (auto& f : files) {
    odf |= f.fid == 0x5031 && !f.is_df;
    cert |= f.fid == 0x2F10;
  }
  EXPECT_TRUE(odf);
  EXPECT_TRUE(cert);
  cmds_->verify(0x81, Secret("123456"));
  EXPECT_TRUE(cmds_->pin_status(0x81).verified);
  cmds_->logout();
  EXPECT_FALSE(cmds_->pin_status(0x81).verified);
}

TEST_P(Commands, UpdateBinaryNeedsThePin) {
  cmds_->select_name(kPkcs15DfName);
  FileInfo cdf = cmds_->select_ef(0x4404);
  Bytes before = cmds_->read_file(cdf);
  EXPECT_EQ(code_of([&] { cmds_->update_binary(0, from_hex("3000")); }), Err::SecurityStatus);
  cmds_->verify(0x81, Secret("123456"));
  cmds_->select_ef(0x4404);
  Bytes big(600, 0x00);
  std::copy(before.begin(), before.end(), big.begin());
  cmds_->update_binary(0, big);  // three chunks
  EXPECT_EQ(cmds_->read_binary(0, 600), big);
  // The directory files cannot be rewritten at all.
  cmds_->select_ef(0x5031);
  EXPECT_EQ(code_of([&] { cmds_->update_binary(0, from_hex("00")); }), Err::SecurityStatus);
}

TEST_P(Commands, IdCardHasNoEsignApplication) {
  use(Variant::IdCard);
  EXPECT_FALSE(has_esign_application(*cmds_));
  EXPECT_EQ(code_of([&] { profile(); }), Err::FileNotFound);
}

INSTANTIATE_TEST_SUITE_P(Protocols, Commands, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "T0" : "T1"; });

}  // namespace
