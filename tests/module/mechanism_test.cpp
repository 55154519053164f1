// SPDX-License-Identifier: LGPL-2.1-or-later
// Host-side crypto of the module on hand-made keys and card answers, without a card.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "errors.hpp"
#include "mechanism.hpp"

using namespace akis;
using namespace akis::p11;

namespace {

Object rsa_key_with_modulus_bytes(std::size_t k) {
  Object o;
  o.cls = CKO_PRIVATE_KEY;
  o.set_ulong(CKA_KEY_TYPE, CKK_RSA);
  o.set(CKA_MODULUS, Bytes(k, k ? 0xC5 : 0x00));
  return o;
}

Mechanism mechanism(CK_MECHANISM_TYPE type) {
  Mechanism m;
  m.spec = find_mechanism(type);
  m.pss_hash = EVP_sha1();
  m.mgf1 = EVP_sha1();
  return m;
}

CK_RV unpad_rv(CK_MECHANISM_TYPE type, std::size_t k, ByteView block) {
  try {
    unpad_decrypted(mechanism(type), rsa_key_with_modulus_bytes(k), block);
    return CKR_OK;
  } catch (const Rv& r) {
    return r.rv;
  }
}

}  // namespace

// A certificate with an RSA modulus of 0 (or a few bytes) and a card that answers PSO DECIPHER with a bare
// 90 00: nothing is unpadded, no pointer goes past the empty block (UBSan: build-asan, fuzz_token).
TEST(Unpad, ModulusTooSmallForAnyPaddingIsInvalidData) {
  for (auto type : {CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP}) {
    EXPECT_EQ(unpad_rv(type, 0, ByteView{}), CKR_ENCRYPTED_DATA_INVALID);
    const Bytes ten(10, 0x00);
    EXPECT_EQ(unpad_rv(type, 10, ten), CKR_ENCRYPTED_DATA_INVALID);
  }
  EXPECT_EQ(unpad_rv(CKM_RSA_PKCS, 16, Bytes(15, 0x00)), CKR_DEVICE_ERROR);  // the card's block is short
}

TEST(Unpad, Pkcs1Type2BlockOfTheSmallestSize) {
  Bytes block = {0x00, 0x02, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x00, 'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(unpad_decrypted(mechanism(CKM_RSA_PKCS), rsa_key_with_modulus_bytes(16), block), to_bytes("hello"));
  block[0] = 0x01;
  EXPECT_EQ(unpad_rv(CKM_RSA_PKCS, 16, block), CKR_ENCRYPTED_DATA_INVALID);
  Bytes raw(1, 0x00);
  EXPECT_EQ(unpad_decrypted(mechanism(CKM_RSA_X_509), rsa_key_with_modulus_bytes(1), raw), raw);
}
