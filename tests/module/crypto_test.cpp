// SPDX-License-Identifier: LGPL-2.1-or-later
// Signing and decryption on the card; verification, encryption and digests in software;
// removal, reset and concurrency.
#include <future>

#include "p11_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

class Crypto : public P11 {
 protected:
  void SetUp() override {
    P11::SetUp();
    card_ = insert(Variant::Pre2011);
    init();
    h_ = open();
    ASSERT_EQ(login(h_, "123456"), CKR_OK);
    rsa_ = private_key(h_, CKK_RSA, 0);
    enc_ = private_key(h_, CKK_RSA, 1);
    ec_ = private_key(h_, CKK_EC);
    ASSERT_NE(rsa_, CK_INVALID_HANDLE);
    ASSERT_NE(ec_, CK_INVALID_HANDLE);
    // The key with CKA_DECRYPT is the encryption pair.
    if (get(h_, rsa_, CKA_DECRYPT) == Bytes{CK_TRUE}) std::swap(rsa_, enc_);
  }
  std::shared_ptr<vcard::VirtualCard> card_;
  CK_SESSION_HANDLE h_ = 0;
  CK_OBJECT_HANDLE rsa_ = 0, enc_ = 0, ec_ = 0;
  const Bytes msg_ = to_bytes("Sözleşme metni: imzalanacak belge");
};

TEST_F(Crypto, RsaPkcsOverDigestInfo) {
  Bytes sig;
  ASSERT_EQ(sign(h_, {CKM_RSA_PKCS, nullptr, 0}, rsa_, sha256_digest_info(msg_), sig), CKR_OK);
  EXPECT_TRUE(verify_with_cert(cert_for(h_, rsa_), msg_, sig, "SHA256", "pkcs1"));
}

TEST_F(Crypto, HashingMechanismsSingleAndMultiPart) {
  for (auto [mech, md] : {std::pair{CKM_SHA1_RSA_PKCS, "SHA1"}, std::pair{CKM_SHA256_RSA_PKCS, "SHA256"},
                          std::pair{CKM_SHA384_RSA_PKCS, "SHA384"}, std::pair{CKM_SHA512_RSA_PKCS, "SHA512"},
                          std::pair{CKM_SHA224_RSA_PKCS, "SHA224"}}) {
    Bytes sig;
    ASSERT_EQ(sign(h_, {mech, nullptr, 0}, rsa_, msg_, sig), CKR_OK) << md;
    EXPECT_TRUE(verify_with_cert(cert_for(h_, rsa_), msg_, sig, md, "pkcs1")) << md;
  }
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OK);
  ASSERT_EQ(f->C_SignUpdate(h_, const_cast<CK_BYTE*>(msg_.data()), 10), CKR_OK);
  ASSERT_EQ(f->C_SignUpdate(h_, const_cast<CK_BYTE*>(msg_.data()) + 10, msg_.size() - 10), CKR_OK);
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_SignFinal(h_, nullptr, &n), CKR_OK);
  Bytes sig(n);
  ASSERT_EQ(f->C_SignFinal(h_, sig.data(), &n), CKR_OK);
  EXPECT_TRUE(verify_with_cert(cert_for(h_, rsa_), msg_, sig, "SHA256", "pkcs1"));
}

TEST_F(Crypto, RsaPssOnARawCardOperation) {
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  Bytes sig;
  ASSERT_EQ(sign(h_, {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof pss}, rsa_, msg_, sig), CKR_OK);
  EXPECT_TRUE(verify_with_cert(cert_for(h_, rsa_), msg_, sig, "SHA256", "pss"));
  ASSERT_EQ(sign(h_, {CKM_RSA_PKCS_PSS, &pss, sizeof pss}, rsa_, sha256(msg_), sig), CKR_OK);
  EXPECT_TRUE(verify_with_cert(cert_for(h_, rsa_), msg_, sig, "SHA256", "pss"));
  CK_RSA_PKCS_PSS_PARAMS mismatch{CKM_SHA_1, CKG_MGF1_SHA256, 20};
  CK_MECHANISM bad{CKM_SHA256_RSA_PKCS_PSS, &mismatch, sizeof mismatch};
  EXPECT_EQ(f->C_SignInit(h_, &bad, rsa_), CKR_MECHANISM_PARAM_INVALID);
  CK_MECHANISM noparam{CKM_RSA_PKCS_PSS, nullptr, 0};
  EXPECT_EQ(f->C_SignInit(h_, &noparam, rsa_), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(Crypto, EcdsaRawAndHashing) {
  Bytes sig;
  ASSERT_EQ(sign(h_, {CKM_ECDSA, nullptr, 0}, ec_, sha256(msg_), sig), CKR_OK);
  EXPECT_EQ(sig.size(), 64u);
  EXPECT_TRUE(verify_with_cert(cert_for(h_, ec_), msg_, sig, "SHA256", "ecdsa-raw"));
  for (auto [mech, md] : {std::pair{CKM_ECDSA_SHA256, "SHA256"}, std::pair{CKM_ECDSA_SHA384, "SHA384"},
                          std::pair{CKM_ECDSA_SHA1, "SHA1"}, std::pair{CKM_ECDSA_SHA512, "SHA512"}}) {
    ASSERT_EQ(sign(h_, {mech, nullptr, 0}, ec_, msg_, sig), CKR_OK) << md;
    EXPECT_TRUE(verify_with_cert(cert_for(h_, ec_), msg_, sig, md, "ecdsa-raw")) << md;
  }
  CK_MECHANISM wrong{CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(f->C_SignInit(h_, &wrong, ec_), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(Crypto, SizeQueryAndShortBufferKeepTheOperation) {
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OK);
  EXPECT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OPERATION_ACTIVE);
  std::size_t before = card_->commands_seen();
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_Sign(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), nullptr, &n), CKR_OK);
  EXPECT_EQ(n, 256u);
  EXPECT_EQ(card_->commands_seen(), before);  // asking the size does not sign
  Bytes small(10);
  n = small.size();
  EXPECT_EQ(f->C_Sign(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), small.data(), &n), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 256u);
  Bytes sig(n);
  ASSERT_EQ(f->C_Sign(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), sig.data(), &n), CKR_OK);
  EXPECT_TRUE(verify_with_cert(cert_for(h_, rsa_), msg_, sig, "SHA256", "pkcs1"));
  EXPECT_EQ(f->C_Sign(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), sig.data(), &n),
            CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(Crypto, KeyUsageAndMechanismChecks) {
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  EXPECT_EQ(f->C_DecryptInit(h_, &m, rsa_), CKR_KEY_FUNCTION_NOT_PERMITTED);  // signing key
  CK_MECHANISM unknown{0x80004321UL, nullptr, 0};
  EXPECT_EQ(f->C_SignInit(h_, &unknown, rsa_), CKR_MECHANISM_INVALID);
  EXPECT_EQ(f->C_SignInit(h_, &m, 424242), CKR_KEY_HANDLE_INVALID);
  CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
  auto pubs = find(h_, {attr(CKA_CLASS, &cls, sizeof cls)});
  EXPECT_EQ(f->C_SignInit(h_, &m, pubs[0]), CKR_KEY_TYPE_INCONSISTENT);
  Bytes too_long(250, 1), sig;
  EXPECT_EQ(sign(h_, m, rsa_, too_long, sig), CKR_DATA_LEN_RANGE);
}

TEST_F(Crypto, DecryptPkcs1AndOaepOnTheCard) {
  Bytes cert = cert_for(h_, enc_);
  const Bytes key_material = to_bytes("AES-256 oturum anahtari 32 bayt!");
  Bytes ct = encrypt_with_cert(cert, key_material, "pkcs1");
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f->C_DecryptInit(h_, &m, enc_), CKR_OK);
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_Decrypt(h_, ct.data(), ct.size(), nullptr, &n), CKR_OK);
  Bytes out(n);
  ASSERT_EQ(f->C_Decrypt(h_, ct.data(), ct.size(), out.data(), &n), CKR_OK);
  out.resize(n);
  EXPECT_EQ(out, key_material);
  Bytes oaep_ct = encrypt_with_cert(cert, key_material, "oaep");
  CK_RSA_PKCS_OAEP_PARAMS oaep{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM mo{CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
  ASSERT_EQ(f->C_DecryptInit(h_, &mo, enc_), CKR_OK);
  out.assign(256, 0);
  n = out.size();
  ASSERT_EQ(f->C_Decrypt(h_, oaep_ct.data(), oaep_ct.size(), out.data(), &n), CKR_OK);
  out.resize(n);
  EXPECT_EQ(out, key_material);
  // A corrupted cryptogram is refused, not returned as garbage.
  ct[100] ^= 0x40;
  ASSERT_EQ(f->C_DecryptInit(h_, &m, enc_), CKR_OK);
  out.assign(256, 0);
  n = out.size();
  EXPECT_EQ(f->C_Decrypt(h_, ct.data(), ct.size(), out.data(), &n), CKR_ENCRYPTED_DATA_INVALID);
}

TEST_F(Crypto, SoftwareVerifyEncryptAndDigest) {
  CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
  Bytes id = get(h_, rsa_, CKA_ID);
  auto pub = find(h_, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, id.data(), id.size())});
  ASSERT_EQ(pub.size(), 1u);
  Bytes sig;
  ASSERT_EQ(sign(h_, {CKM_SHA256_RSA_PKCS, nullptr, 0}, rsa_, msg_, sig), CKR_OK);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f->C_VerifyInit(h_, &m, pub[0]), CKR_OK);
  EXPECT_EQ(f->C_Verify(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), sig.data(), sig.size()), CKR_OK);
  sig[5] ^= 1;
  ASSERT_EQ(f->C_VerifyInit(h_, &m, pub[0]), CKR_OK);
  EXPECT_EQ(f->C_Verify(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), sig.data(), sig.size()),
            CKR_SIGNATURE_INVALID);
  // Encrypt with the public key of the encryption pair, decipher on the card.
  Bytes eid = get(h_, enc_, CKA_ID);
  auto epub = find(h_, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, eid.data(), eid.size())});
  CK_MECHANISM pk{CKM_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f->C_EncryptInit(h_, &pk, epub[0]), CKR_OK);
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_Encrypt(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), nullptr, &n), CKR_OK);
  Bytes ct(n);
  ASSERT_EQ(f->C_Encrypt(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), ct.data(), &n), CKR_OK);
  ASSERT_EQ(f->C_DecryptInit(h_, &pk, enc_), CKR_OK);
  Bytes pt(256);
  n = pt.size();
  ASSERT_EQ(f->C_Decrypt(h_, ct.data(), ct.size(), pt.data(), &n), CKR_OK);
  pt.resize(n);
  EXPECT_EQ(pt, msg_);
  // Digest.
  CK_MECHANISM d{CKM_SHA256, nullptr, 0};
  ASSERT_EQ(f->C_DigestInit(h_, &d), CKR_OK);
  ASSERT_EQ(f->C_DigestUpdate(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size()), CKR_OK);
  Bytes out(32);
  n = 32;
  ASSERT_EQ(f->C_DigestFinal(h_, out.data(), &n), CKR_OK);
  EXPECT_EQ(out, sha256(msg_));
}

TEST_F(Crypto, RandomComesFromTheCard) {
  std::size_t before = card_->commands_seen();
  Bytes a(300), b(300);
  ASSERT_EQ(f->C_GenerateRandom(h_, a.data(), a.size()), CKR_OK);
  ASSERT_EQ(f->C_GenerateRandom(h_, b.data(), b.size()), CKR_OK);
  EXPECT_NE(a, b);
  EXPECT_GE(card_->commands_seen() - before, 6u);  // GET CHALLENGE, 128 bytes at a time
  EXPECT_EQ(f->C_SeedRandom(h_, a.data(), 4), CKR_RANDOM_SEED_NOT_SUPPORTED);
}

TEST_F(Crypto, CardRemovedMidSessionClosesTheSessions) {
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OK);
  readers().remove(kReaderA);
  Bytes sig(256);
  CK_ULONG n = sig.size();
  EXPECT_EQ(f->C_Sign(h_, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), sig.data(), &n), CKR_DEVICE_REMOVED);
  CK_SESSION_INFO si;
  EXPECT_EQ(f->C_GetSessionInfo(h_, &si), CKR_SESSION_HANDLE_INVALID);
  CK_TOKEN_INFO ti;
  EXPECT_EQ(f->C_GetTokenInfo(slot_of(kReaderA), &ti), CKR_TOKEN_NOT_PRESENT);
  // The card comes back: a new session, a new login.
  readers().insert(kReaderA, card_);
  CK_SESSION_HANDLE h = open();
  EXPECT_EQ(private_key(h, CKK_RSA), CK_INVALID_HANDLE);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  EXPECT_NE(private_key(h, CKK_RSA), CK_INVALID_HANDLE);
}

TEST_F(Crypto, ResetByAnotherProgramDropsTheLogin) {
  readers().reset_card(kReaderA);
  Bytes sig;
  EXPECT_EQ(sign(h_, {CKM_SHA256_RSA_PKCS, nullptr, 0}, rsa_, msg_, sig), CKR_USER_NOT_LOGGED_IN);
  CK_SESSION_INFO si;
  ASSERT_EQ(f->C_GetSessionInfo(h_, &si), CKR_OK);  // same card: the session lives on
  EXPECT_EQ(si.state, CKS_RW_PUBLIC_SESSION);
  ASSERT_EQ(login(h_, "123456"), CKR_OK);
  rsa_ = private_key(h_, CKK_RSA, 0);
  if (get(h_, rsa_, CKA_DECRYPT) == Bytes{CK_TRUE}) rsa_ = private_key(h_, CKK_RSA, 1);
  EXPECT_EQ(sign(h_, {CKM_SHA256_RSA_PKCS, nullptr, 0}, rsa_, msg_, sig), CKR_OK);
}

TEST_F(Crypto, AlwaysAuthenticateKeyNeedsContextLogin) {
  readers().remove(kReaderA);
  insert(Variant::AlwaysAuth);
  CK_SESSION_HANDLE h = open();
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_OBJECT_HANDLE key = private_key(h, CKK_RSA);
  EXPECT_EQ(get(h, key, CKA_ALWAYS_AUTHENTICATE), Bytes{CK_TRUE});
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  Bytes sig(256);
  CK_ULONG n = sig.size();
  ASSERT_EQ(f->C_SignInit(h, &m, key), CKR_OK);
  EXPECT_EQ(f->C_Sign(h, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), sig.data(), &n), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(f->C_SignInit(h, &m, key), CKR_OK);
  ASSERT_EQ(login(h, "123456", CKU_CONTEXT_SPECIFIC), CKR_OK);
  n = sig.size();
  ASSERT_EQ(f->C_Sign(h, const_cast<CK_BYTE*>(msg_.data()), msg_.size(), sig.data(), &n), CKR_OK);
  EXPECT_TRUE(verify_with_cert(cert_for(h, key), msg_, sig, "SHA256", "pkcs1"));
}

TEST_F(Crypto, TwoThreadsSignOnTwoCardsAtOnce) {
  insert(Variant::Seal, kReaderB);
  CK_SESSION_HANDLE hb = open(true, kReaderB);
  ASSERT_EQ(login(hb, "123456"), CKR_OK);
  CK_OBJECT_HANDLE kb = private_key(hb, CKK_RSA);
  auto job = [&](CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k) {
    int ok = 0;
    for (int i = 0; i < 20; ++i) {
      Bytes m = to_bytes("belge " + std::to_string(i)), sig;
      if (sign(h, {CKM_SHA256_RSA_PKCS, nullptr, 0}, k, m, sig) == CKR_OK &&
          verify_with_cert(cert_for(h, k), m, sig, "SHA256", "pkcs1"))
        ++ok;
    }
    return ok;
  };
  auto a = std::async(std::launch::async, job, h_, rsa_);
  auto b = std::async(std::launch::async, job, hb, kb);
  EXPECT_EQ(a.get(), 20);
  EXPECT_EQ(b.get(), 20);
}

}  // namespace
