// SPDX-License-Identifier: LGPL-2.1-or-later
// The mechanisms the module offers, their parameters, and the host-side crypto around the card:
// hashing and padding before the card signs, padding removal after it deciphers, and the public-key
// operations (verify, encrypt) and digests done in software with OpenSSL.
#pragma once

#include <memory>
#include <span>

#include "object.hpp"
#include "p11.hpp"

typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace akis::p11 {

enum class Kind { RsaPkcs, RsaX509, RsaPss, RsaOaep, Ecdsa, Digest };

struct MechanismSpec {
  CK_MECHANISM_TYPE type;
  Kind kind;
  const char* hash;  // OpenSSL digest name hashed on the host, or nullptr
  CK_FLAGS flags;    // CKF_SIGN / CKF_VERIFY / CKF_DECRYPT / CKF_ENCRYPT / CKF_DIGEST
};

std::span<const MechanismSpec> all_mechanisms();
const MechanismSpec* find_mechanism(CK_MECHANISM_TYPE type);

// A validated mechanism with its parameters.
struct Mechanism {
  const MechanismSpec* spec = nullptr;
  const EVP_MD* hash = nullptr;       // host hash of a SHAx_ mechanism
  const EVP_MD* pss_hash = nullptr;   // PSS/OAEP hashAlg
  const EVP_MD* mgf1 = nullptr;
  int salt = 0;
  Bytes oaep_label;
};
// Checks the mechanism, its parameters and that it fits the key and the operation (CKF_SIGN ...).
Mechanism parse_mechanism(const CK_MECHANISM* m, CK_FLAGS op, const Object* key);

// Incremental hash (EVP).
class Hash {
 public:
  explicit Hash(const EVP_MD* md);
  ~Hash();
  Hash(const Hash&) = delete;
  Hash& operator=(const Hash&) = delete;
  void update(ByteView data);
  Bytes final();
  std::size_t size() const;

 private:
  EVP_MD_CTX* ctx_;
};
Bytes digest(const EVP_MD* md, ByteView data);

// Bytes the card signs, given the message hash (hash mechanisms) or the caller's input (others).
Bytes card_sign_input(const Mechanism& m, const Object& key, ByteView input);
std::size_t signature_size(const Object& key);
// Removes PKCS#1 v1.5 or OAEP padding from the card's raw RSA result (constant-time checks by OpenSSL).
Bytes unpad_decrypted(const Mechanism& m, const Object& key, ByteView block);
// Software operations with the public key. For hash mechanisms `data_or_hash` is the digest.
bool verify(const Mechanism& m, const Object& pub, ByteView data_or_hash, ByteView signature);
Bytes encrypt(const Mechanism& m, const Object& pub, ByteView plain);

}  // namespace akis::p11
