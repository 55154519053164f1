// SPDX-License-Identifier: LGPL-2.1-or-later
// Conformance with PKCS#11 3.0 sections 5.2 and 5.9-5.13: when the digest, sign, verify, encrypt and decrypt
// operations end. A single-part or final call ends the operation unless it is a successful size query or
// answers CKR_BUFFER_TOO_SMALL; an update that fails ends it; a single-part call cannot end a multi-part one.
#include "conformance.hpp"

using namespace akis;
using namespace akis::test;

namespace {

class Operations : public Conformance {
 protected:
  void SetUp() override {
    Conformance::SetUp();
    insert(Variant::Pre2011);
    init();
    h_ = open();
    ASSERT_EQ(login(h_, "123456"), CKR_OK);
    rsa_ = private_key(h_, CKK_RSA, 0);
    if (get(h_, rsa_, CKA_SIGN) != Bytes{CK_TRUE}) rsa_ = private_key(h_, CKK_RSA, 1);
    ec_ = private_key(h_, CKK_EC);
    ASSERT_NE(rsa_, CK_INVALID_HANDLE);
  }
  CK_OBJECT_HANDLE public_key_of(CK_OBJECT_HANDLE priv) {
    Bytes id = get(h_, priv, CKA_ID);
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    auto keys = find(h_, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, id.data(), id.size())});
    return keys.empty() ? CK_INVALID_HANDLE : keys[0];
  }
  CK_BYTE* msg() { return const_cast<CK_BYTE*>(msg_.data()); }
  CK_SESSION_HANDLE h_ = 0;
  CK_OBJECT_HANDLE rsa_ = 0, ec_ = 0;
  const Bytes msg_ = to_bytes("uygunluk sınaması");
  CK_MECHANISM sha_{CKM_SHA256, nullptr, 0};
};

TEST_F(Operations, DigestEndsOnArgumentsBadAndKeepsOnSizeQuestions) {
  CK_BYTE out[64];
  CK_ULONG n = 0;
  EXPECT_EQ(digest(h_, msg_, out, &n), CKR_OPERATION_NOT_INITIALIZED);
  // C_Digest: a NULL length pointer ends the operation.
  ASSERT_EQ(f->C_DigestInit(h_, &sha_), CKR_OK);
  EXPECT_EQ(f->C_DigestInit(h_, &sha_), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(digest(h_, msg_, out, nullptr), CKR_ARGUMENTS_BAD);
  n = sizeof out;
  EXPECT_EQ(digest(h_, msg_, out, &n), CKR_OPERATION_NOT_INITIALIZED);
  // C_DigestFinal: likewise.
  ASSERT_EQ(f->C_DigestInit(h_, &sha_), CKR_OK);
  ASSERT_EQ(f->C_DigestUpdate(h_, msg(), msg_.size()), CKR_OK);
  EXPECT_EQ(f->C_DigestFinal(h_, out, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_DigestFinal(h_, out, &n), CKR_OPERATION_NOT_INITIALIZED);
  // Size query and a short buffer keep it; the digest is then the right one.
  ASSERT_EQ(f->C_DigestInit(h_, &sha_), CKR_OK);
  n = 0;
  ASSERT_EQ(digest(h_, msg_, nullptr, &n), CKR_OK);
  EXPECT_EQ(n, 32u);
  n = 31;
  EXPECT_EQ(digest(h_, msg_, out, &n), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 32u);
  ASSERT_EQ(digest(h_, msg_, out, &n), CKR_OK);
  EXPECT_EQ(Bytes(out, out + n), sha256(msg_));
  EXPECT_EQ(digest(h_, msg_, out, &n), CKR_OPERATION_NOT_INITIALIZED);  // ended by the success
}

TEST_F(Operations, SinglePartCallCannotEndAMultiPartOperation) {
  CK_BYTE out[64];
  CK_ULONG n = sizeof out;
  ASSERT_EQ(f->C_DigestInit(h_, &sha_), CKR_OK);
  ASSERT_EQ(f->C_DigestUpdate(h_, msg(), 4), CKR_OK);
  EXPECT_EQ(digest(h_, msg_, out, &n), CKR_OPERATION_ACTIVE);
  // An update with a bad pointer ends the operation.
  ASSERT_EQ(f->C_DigestInit(h_, &sha_), CKR_OK);
  EXPECT_EQ(f->C_DigestUpdate(h_, nullptr, 4), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_DigestUpdate(h_, msg(), 4), CKR_OPERATION_NOT_INITIALIZED);
  // C_Sign after C_SignUpdate, the same.
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OK);
  ASSERT_EQ(f->C_SignUpdate(h_, msg(), msg_.size()), CKR_OK);
  CK_BYTE sig[512];
  n = sizeof sig;
  EXPECT_EQ(f->C_Sign(h_, msg(), msg_.size(), sig, &n), CKR_OPERATION_ACTIVE);
}

TEST_F(Operations, SignUpdateRefusedForSinglePartMechanisms) {
  for (auto [mech, key] : {std::pair{CKM_RSA_PKCS, rsa_}, std::pair{CKM_ECDSA, ec_}}) {
    CK_MECHANISM m{mech, nullptr, 0};
    ASSERT_EQ(f->C_SignInit(h_, &m, key), CKR_OK);
    EXPECT_NE(f->C_SignUpdate(h_, msg(), msg_.size()), CKR_OK) << mech;
    CK_ULONG n = 0;
    EXPECT_EQ(f->C_SignFinal(h_, nullptr, &n), CKR_OPERATION_NOT_INITIALIZED) << mech;  // the failure ended it
  }
}

TEST_F(Operations, SignEndsOnErrorsAndKeepsOnSizeQuestions) {
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  CK_BYTE sig[512];
  CK_ULONG n = 0;
  EXPECT_EQ(f->C_SignInit(h_, nullptr, rsa_), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_SignInit(h_, &m, 0xbad), CKR_KEY_HANDLE_INVALID);
  ASSERT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OK);
  EXPECT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OPERATION_ACTIVE);
  ASSERT_EQ(f->C_Sign(h_, msg(), msg_.size(), nullptr, &n), CKR_OK);
  const CK_ULONG size = n;
  n = size - 1;
  EXPECT_EQ(f->C_Sign(h_, msg(), msg_.size(), sig, &n), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, size);
  EXPECT_EQ(f->C_Sign(h_, msg(), msg_.size(), sig, nullptr), CKR_ARGUMENTS_BAD);
  n = sizeof sig;
  EXPECT_EQ(f->C_Sign(h_, msg(), msg_.size(), sig, &n), CKR_OPERATION_NOT_INITIALIZED);
  // C_SignFinal with a NULL length pointer ends a multi-part signature.
  ASSERT_EQ(f->C_SignInit(h_, &m, rsa_), CKR_OK);
  ASSERT_EQ(f->C_SignUpdate(h_, msg(), msg_.size()), CKR_OK);
  EXPECT_EQ(f->C_SignFinal(h_, sig, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_SignFinal(h_, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(Operations, VerifyAlwaysEnds) {
  CK_OBJECT_HANDLE pub = public_key_of(rsa_);
  ASSERT_NE(pub, CK_INVALID_HANDLE);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  Bytes sig;
  ASSERT_EQ(sign(h_, m, rsa_, msg_, sig), CKR_OK);
  EXPECT_EQ(f->C_Verify(h_, msg(), msg_.size(), sig.data(), sig.size()), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f->C_VerifyInit(h_, &m, rsa_), CKR_KEY_TYPE_INCONSISTENT);  // a private key cannot verify
  ASSERT_EQ(f->C_VerifyInit(h_, &m, pub), CKR_OK);
  Bytes bad = sig;
  bad[10] ^= 1;
  EXPECT_EQ(f->C_Verify(h_, msg(), msg_.size(), bad.data(), bad.size()), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(f->C_Verify(h_, msg(), msg_.size(), sig.data(), sig.size()), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f->C_VerifyInit(h_, &m, pub), CKR_OK);
  EXPECT_EQ(f->C_Verify(h_, nullptr, 4, sig.data(), sig.size()), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_VerifyFinal(h_, sig.data(), sig.size()), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f->C_VerifyInit(h_, &m, pub), CKR_OK);
  ASSERT_EQ(f->C_VerifyUpdate(h_, msg(), 3), CKR_OK);
  ASSERT_EQ(f->C_VerifyUpdate(h_, msg() + 3, msg_.size() - 3), CKR_OK);
  EXPECT_EQ(f->C_VerifyFinal(h_, sig.data(), sig.size()), CKR_OK);
  EXPECT_EQ(f->C_VerifyFinal(h_, sig.data(), sig.size()), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(Operations, DecryptAndEncryptTermination) {
  CK_OBJECT_HANDLE dec = private_key(h_, CKK_RSA, 0);
  if (get(h_, dec, CKA_DECRYPT) != Bytes{CK_TRUE}) dec = private_key(h_, CKK_RSA, 1);
  CK_OBJECT_HANDLE pub = public_key_of(dec);
  CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
  const Bytes plain = to_bytes("gizli");
  CK_BYTE ct[512], out[512];
  CK_ULONG n = 0;
  // Encrypt: size query keeps; a NULL length ends.
  ASSERT_EQ(f->C_EncryptInit(h_, &m, pub), CKR_OK);
  EXPECT_EQ(f->C_EncryptUpdate(h_, const_cast<CK_BYTE*>(plain.data()), plain.size(), out, &n),
            CKR_FUNCTION_NOT_SUPPORTED);  // a single-part mechanism; the failure ends the operation
  n = sizeof ct;
  EXPECT_EQ(f->C_Encrypt(h_, const_cast<CK_BYTE*>(plain.data()), plain.size(), ct, &n), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f->C_EncryptInit(h_, &m, pub), CKR_OK);
  n = 0;
  ASSERT_EQ(f->C_Encrypt(h_, const_cast<CK_BYTE*>(plain.data()), plain.size(), nullptr, &n), CKR_OK);
  const CK_ULONG k = n;
  EXPECT_EQ(f->C_Encrypt(h_, const_cast<CK_BYTE*>(plain.data()), plain.size(), ct, nullptr), CKR_ARGUMENTS_BAD);
  n = sizeof ct;
  EXPECT_EQ(f->C_Encrypt(h_, const_cast<CK_BYTE*>(plain.data()), plain.size(), ct, &n), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f->C_EncryptInit(h_, &m, pub), CKR_OK);
  ASSERT_EQ(f->C_Encrypt(h_, const_cast<CK_BYTE*>(plain.data()), plain.size(), ct, &n), CKR_OK);
  ASSERT_EQ(n, k);
  // Decrypt: a short buffer keeps the operation and the card's answer; a wrong length ends it.
  ASSERT_EQ(f->C_DecryptInit(h_, &m, dec), CKR_OK);
  CK_ULONG small = 2;
  EXPECT_EQ(f->C_Decrypt(h_, ct, k, out, &small), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small, plain.size());
  ASSERT_EQ(f->C_Decrypt(h_, ct, k, out, &small), CKR_OK);
  EXPECT_EQ(Bytes(out, out + small), plain);
  ASSERT_EQ(f->C_DecryptInit(h_, &m, dec), CKR_OK);
  n = sizeof out;
  EXPECT_EQ(f->C_Decrypt(h_, ct, k - 1, out, &n), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(f->C_Decrypt(h_, ct, k, out, &n), CKR_OPERATION_NOT_INITIALIZED);
}

TEST_F(Operations, DigestKeyAndFindObjects) {
  EXPECT_EQ(f->C_DigestKey(h_, rsa_), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f->C_DigestInit(h_, &sha_), CKR_OK);
  EXPECT_EQ(f->C_DigestKey(h_, 0xbad), CKR_KEY_HANDLE_INVALID);
  ASSERT_EQ(f->C_DigestInit(h_, &sha_), CKR_OK);  // the failure ended it
  EXPECT_EQ(f->C_DigestKey(h_, rsa_), CKR_KEY_INDIGESTIBLE);
  CK_OBJECT_HANDLE oh[4];
  CK_ULONG n = 0;
  EXPECT_EQ(f->C_FindObjects(h_, oh, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f->C_FindObjectsFinal(h_), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f->C_FindObjectsInit(h_, nullptr, 1), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f->C_FindObjectsInit(h_, nullptr, 0), CKR_OK);
  EXPECT_EQ(f->C_FindObjectsInit(h_, nullptr, 0), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(f->C_FindObjects(h_, oh, 4, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_FindObjects(h_, nullptr, 4, &n), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f->C_FindObjects(h_, oh, 4, &n), CKR_OK);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(f->C_FindObjectsFinal(h_), CKR_OK);
}

}  // namespace
