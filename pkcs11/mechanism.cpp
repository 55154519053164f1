// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenSSL 3 has no non-deprecated API for PSS encoding or OAEP/PKCS#1 type 2 decoding on their own;
// this file uses those RSA_padding_* functions and nothing else deprecated.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "mechanism.hpp"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "errors.hpp"

namespace akis::p11 {

namespace {
// CKF_HW on the mechanisms whose private-key operation (sign, decrypt) runs on the card; their verify and
// encrypt halves run on the host, and the digests (host only) carry no CKF_HW. No CKM_ECDSA_SHA224: the cards
// refuse it (reported by third-party signing software).
constexpr CK_FLAGS kSignVerify = CKF_SIGN | CKF_VERIFY | CKF_HW;
const MechanismSpec kMechanisms[] = {
    {CKM_RSA_PKCS, Kind::RsaPkcs, nullptr, kSignVerify | CKF_DECRYPT | CKF_ENCRYPT},
    {CKM_RSA_X_509, Kind::RsaX509, nullptr, kSignVerify | CKF_DECRYPT | CKF_ENCRYPT},
    {CKM_SHA1_RSA_PKCS, Kind::RsaPkcs, "SHA1", kSignVerify},
    {CKM_SHA224_RSA_PKCS, Kind::RsaPkcs, "SHA224", kSignVerify},
    {CKM_SHA256_RSA_PKCS, Kind::RsaPkcs, "SHA256", kSignVerify},
    {CKM_SHA384_RSA_PKCS, Kind::RsaPkcs, "SHA384", kSignVerify},
    {CKM_SHA512_RSA_PKCS, Kind::RsaPkcs, "SHA512", kSignVerify},
    {CKM_RSA_PKCS_PSS, Kind::RsaPss, nullptr, kSignVerify},
    {CKM_SHA1_RSA_PKCS_PSS, Kind::RsaPss, "SHA1", kSignVerify},
    {CKM_SHA224_RSA_PKCS_PSS, Kind::RsaPss, "SHA224", kSignVerify},
    {CKM_SHA256_RSA_PKCS_PSS, Kind::RsaPss, "SHA256", kSignVerify},
    {CKM_SHA384_RSA_PKCS_PSS, Kind::RsaPss, "SHA384", kSignVerify},
    {CKM_SHA512_RSA_PKCS_PSS, Kind::RsaPss, "SHA512", kSignVerify},
    {CKM_RSA_PKCS_OAEP, Kind::RsaOaep, nullptr, CKF_DECRYPT | CKF_ENCRYPT | CKF_HW},
    {CKM_ECDSA, Kind::Ecdsa, nullptr, kSignVerify | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
    {CKM_ECDSA_SHA1, Kind::Ecdsa, "SHA1", kSignVerify | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
    {CKM_ECDSA_SHA256, Kind::Ecdsa, "SHA256", kSignVerify | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
    {CKM_ECDSA_SHA384, Kind::Ecdsa, "SHA384", kSignVerify | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
    {CKM_ECDSA_SHA512, Kind::Ecdsa, "SHA512", kSignVerify | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS},
    {CKM_SHA_1, Kind::Digest, "SHA1", CKF_DIGEST},
    {CKM_SHA224, Kind::Digest, "SHA224", CKF_DIGEST},
    {CKM_SHA256, Kind::Digest, "SHA256", CKF_DIGEST},
    {CKM_SHA384, Kind::Digest, "SHA384", CKF_DIGEST},
    {CKM_SHA512, Kind::Digest, "SHA512", CKF_DIGEST},
};

const EVP_MD* md_for(CK_MECHANISM_TYPE hash_alg) {
  switch (hash_alg) {
    case CKM_SHA_1: return EVP_sha1();
    case CKM_SHA224: return EVP_sha224();
    case CKM_SHA256: return EVP_sha256();
    case CKM_SHA384: return EVP_sha384();
    case CKM_SHA512: return EVP_sha512();
    default: fail(CKR_MECHANISM_PARAM_INVALID);
  }
}
const EVP_MD* md_for_mgf(CK_RSA_PKCS_MGF_TYPE mgf) {
  switch (mgf) {
    case CKG_MGF1_SHA1: return EVP_sha1();
    case CKG_MGF1_SHA224: return EVP_sha224();
    case CKG_MGF1_SHA256: return EVP_sha256();
    case CKG_MGF1_SHA384: return EVP_sha384();
    case CKG_MGF1_SHA512: return EVP_sha512();
    default: fail(CKR_MECHANISM_PARAM_INVALID);
  }
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
std::unique_ptr<EVP_PKEY, PkeyFree> pkey_of(const Object& key) {
  const unsigned char* p = key.spki.data();
  std::unique_ptr<EVP_PKEY, PkeyFree> k(d2i_PUBKEY(nullptr, &p, static_cast<long>(key.spki.size())));
  if (!k) fail(CKR_KEY_HANDLE_INVALID);
  return k;
}

std::size_t modulus_bytes(const Object& key) {
  auto* n = key.get(CKA_MODULUS);
  if (!n) fail(CKR_KEY_TYPE_INCONSISTENT);
  return n->size();
}

std::size_t ec_field_bytes(const Object& key) {
  auto k = pkey_of(key);
  return static_cast<std::size_t>((EVP_PKEY_get_bits(k.get()) + 7) / 8);
}

Bytes digest_info(const EVP_MD* md, ByteView hash) {
  static const struct {
    int nid;
    const char* prefix;
  } kPrefixes[] = {
      {NID_sha1, "3021300906052b0e03021a05000414"},
      {NID_sha224, "302d300d06096086480165030402040500041c"},
      {NID_sha256, "3031300d060960864801650304020105000420"},
      {NID_sha384, "3041300d060960864801650304020205000430"},
      {NID_sha512, "3051300d060960864801650304020305000440"},
  };
  for (auto& p : kPrefixes)
    if (EVP_MD_get_type(md) == p.nid) {
      Bytes out = from_hex(p.prefix);
      append(out, hash);
      return out;
    }
  fail(CKR_MECHANISM_INVALID);
}
}  // namespace

std::span<const MechanismSpec> all_mechanisms() { return kMechanisms; }

const MechanismSpec* find_mechanism(CK_MECHANISM_TYPE type) {
  for (auto& m : kMechanisms)
    if (m.type == type) return &m;
  return nullptr;
}

Mechanism parse_mechanism(const CK_MECHANISM* m, CK_FLAGS op, const Object* key) {
  if (!m) fail(CKR_ARGUMENTS_BAD);
  Mechanism out;
  out.spec = find_mechanism(m->mechanism);
  if (!out.spec || !(out.spec->flags & op)) fail(CKR_MECHANISM_INVALID);
  if (out.spec->hash) out.hash = EVP_get_digestbyname(out.spec->hash);
  if (key) {
    auto kt = key->get_ulong(CKA_KEY_TYPE);
    const bool ec = out.spec->kind == Kind::Ecdsa;
    if (!kt || (ec ? *kt != CKK_EC : *kt != CKK_RSA)) fail(CKR_KEY_TYPE_INCONSISTENT);
  }
  if (out.spec->kind == Kind::RsaPss) {
    if (m->ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS) || !m->pParameter) fail(CKR_MECHANISM_PARAM_INVALID);
    CK_RSA_PKCS_PSS_PARAMS pp;
    std::memcpy(&pp, m->pParameter, sizeof pp);
    out.pss_hash = md_for(pp.hashAlg);
    out.mgf1 = md_for_mgf(pp.mgf);
    if (out.hash && EVP_MD_get_type(out.hash) != EVP_MD_get_type(out.pss_hash)) fail(CKR_MECHANISM_PARAM_INVALID);
    if (pp.sLen > 1024) fail(CKR_MECHANISM_PARAM_INVALID);
    out.salt = static_cast<int>(pp.sLen);
  } else if (out.spec->kind == Kind::RsaOaep) {
    if (m->ulParameterLen != sizeof(CK_RSA_PKCS_OAEP_PARAMS) || !m->pParameter) fail(CKR_MECHANISM_PARAM_INVALID);
    CK_RSA_PKCS_OAEP_PARAMS op_params;
    std::memcpy(&op_params, m->pParameter, sizeof op_params);
    out.pss_hash = md_for(op_params.hashAlg);
    out.mgf1 = md_for_mgf(op_params.mgf);
    if (op_params.source == CKZ_DATA_SPECIFIED && op_params.pSourceData && op_params.ulSourceDataLen)
      out.oaep_label.assign(static_cast<CK_BYTE*>(op_params.pSourceData),
                            static_cast<CK_BYTE*>(op_params.pSourceData) + op_params.ulSourceDataLen);
    else if (op_params.source != 0 && op_params.source != CKZ_DATA_SPECIFIED)
      fail(CKR_MECHANISM_PARAM_INVALID);
  } else if (m->ulParameterLen != 0 && m->pParameter != nullptr) {
    fail(CKR_MECHANISM_PARAM_INVALID);
  }
  return out;
}

Hash::Hash(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, md, nullptr) != 1) {
    EVP_MD_CTX_free(ctx_);
    throw std::bad_alloc();
  }
}
Hash::~Hash() { EVP_MD_CTX_free(ctx_); }
void Hash::update(ByteView data) { EVP_DigestUpdate(ctx_, data.data(), data.size()); }
Bytes Hash::final() {
  Bytes out(static_cast<std::size_t>(EVP_MD_CTX_get_size(ctx_)));
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_, out.data(), &n);
  return out;
}
std::size_t Hash::size() const { return static_cast<std::size_t>(EVP_MD_CTX_get_size(ctx_)); }

Bytes digest(const EVP_MD* md, ByteView data) {
  Hash h(md);
  h.update(data);
  return h.final();
}

std::size_t signature_size(const Object& key) {
  return key.get_ulong(CKA_KEY_TYPE) == CKK_EC ? 2 * ec_field_bytes(key) : modulus_bytes(key);
}

Bytes card_sign_input(const Mechanism& m, const Object& key, ByteView input) {
  switch (m.spec->kind) {
    case Kind::RsaPkcs: {
      Bytes data = m.hash ? digest_info(m.hash, input) : Bytes(input.begin(), input.end());
      if (data.size() + 11 > modulus_bytes(key)) fail(CKR_DATA_LEN_RANGE);
      return data;  // the card adds the PKCS#1 v1.5 type 1 padding
    }
    case Kind::RsaX509: {
      std::size_t k = modulus_bytes(key);
      if (input.size() > k) fail(CKR_DATA_LEN_RANGE);
      Bytes block(k - input.size(), 0x00);
      append(block, input);
      return block;  // raw: exactly the modulus length
    }
    case Kind::RsaPss: {
      if (input.size() != static_cast<std::size_t>(EVP_MD_get_size(m.pss_hash))) fail(CKR_DATA_LEN_RANGE);
      auto k = pkey_of(key);
      const RSA* rsa = EVP_PKEY_get0_RSA(k.get());
      Bytes em(modulus_bytes(key));
      if (RSA_padding_add_PKCS1_PSS_mgf1(const_cast<RSA*>(rsa), em.data(), input.data(), m.pss_hash, m.mgf1,
                                         m.salt) != 1)
        fail(CKR_MECHANISM_PARAM_INVALID);
      return em;  // the card does the raw RSA operation
    }
    case Kind::Ecdsa: {
      std::size_t n = std::min(input.size(), ec_field_bytes(key));
      if (input.empty()) fail(CKR_DATA_LEN_RANGE);
      return Bytes(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(n));
    }
    default: fail(CKR_MECHANISM_INVALID);
  }
}

Bytes unpad_decrypted(const Mechanism& m, const Object& key, ByteView block) {
  const std::size_t k = modulus_bytes(key);
  if (block.size() != k) fail(CKR_DEVICE_ERROR);
  if (m.spec->kind == Kind::RsaX509) return Bytes(block.begin(), block.end());
  // No padded block fits in fewer than 11 bytes (00 02, eight padding bytes, 00): a key whose certificate
  // gives a tiny or empty modulus deciphers nothing, and the block's first byte is never read beyond it.
  if (k < 11 || k > 0x10000) fail(CKR_ENCRYPTED_DATA_INVALID);
  const ByteView em = block.subspan(1);  // after the leading 00
  Bytes out(k);
  int n = -1;
  if (m.spec->kind == Kind::RsaPkcs) {
    n = RSA_padding_check_PKCS1_type_2(out.data(), static_cast<int>(k), em.data(), static_cast<int>(em.size()),
                                       static_cast<int>(k));
  } else if (m.spec->kind == Kind::RsaOaep) {
    n = RSA_padding_check_PKCS1_OAEP_mgf1(out.data(), static_cast<int>(k), em.data(), static_cast<int>(em.size()),
                                          static_cast<int>(k), m.oaep_label.data(),
                                          static_cast<int>(m.oaep_label.size()), m.pss_hash, m.mgf1);
  }
  if (n < 0 || block[0] != 0x00) fail(CKR_ENCRYPTED_DATA_INVALID);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool verify(const Mechanism& m, const Object& pub, ByteView data, ByteView sig) {
  auto k = pkey_of(pub);
  std::unique_ptr<EVP_PKEY_CTX, PkeyFree> ctx(EVP_PKEY_CTX_new(k.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) fail(CKR_FUNCTION_FAILED);
  Bytes tbs(data.begin(), data.end());  // hash mechanisms: the caller passes the digest
  Bytes signature(sig.begin(), sig.end());
  switch (m.spec->kind) {
    case Kind::RsaPkcs:
      if (sig.size() != modulus_bytes(pub)) fail(CKR_SIGNATURE_LEN_RANGE);
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
      if (m.hash) EVP_PKEY_CTX_set_signature_md(ctx.get(), m.hash);
      break;
    case Kind::RsaX509: {
      if (sig.size() != modulus_bytes(pub)) fail(CKR_SIGNATURE_LEN_RANGE);
      std::unique_ptr<EVP_PKEY_CTX, PkeyFree> rctx(EVP_PKEY_CTX_new(k.get(), nullptr));
      EVP_PKEY_verify_recover_init(rctx.get());
      EVP_PKEY_CTX_set_rsa_padding(rctx.get(), RSA_NO_PADDING);
      Bytes rec(modulus_bytes(pub));
      std::size_t n = rec.size();
      if (EVP_PKEY_verify_recover(rctx.get(), rec.data(), &n, sig.data(), sig.size()) != 1) return false;
      Bytes expect(rec.size() - std::min(rec.size(), data.size()), 0);
      append(expect, data);
      return expect == rec;
    }
    case Kind::RsaPss:
      if (sig.size() != modulus_bytes(pub)) fail(CKR_SIGNATURE_LEN_RANGE);
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_signature_md(ctx.get(), m.pss_hash);
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), m.mgf1);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), m.salt);
      break;
    case Kind::Ecdsa: {
      std::size_t f = ec_field_bytes(pub);
      if (sig.size() != 2 * f) fail(CKR_SIGNATURE_LEN_RANGE);
      ECDSA_SIG* es = ECDSA_SIG_new();
      ECDSA_SIG_set0(es, BN_bin2bn(sig.data(), static_cast<int>(f), nullptr),
                     BN_bin2bn(sig.data() + f, static_cast<int>(f), nullptr));
      unsigned char* der = nullptr;
      int n = i2d_ECDSA_SIG(es, &der);
      ECDSA_SIG_free(es);
      if (n <= 0) fail(CKR_FUNCTION_FAILED);
      signature.assign(der, der + n);
      OPENSSL_free(der);
      if (tbs.size() > f) tbs.resize(f);
      break;
    }
    default: fail(CKR_MECHANISM_INVALID);
  }
  return EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), tbs.data(), tbs.size()) == 1;
}

Bytes encrypt(const Mechanism& m, const Object& pub, ByteView plain) {
  auto k = pkey_of(pub);
  std::unique_ptr<EVP_PKEY_CTX, PkeyFree> ctx(EVP_PKEY_CTX_new(k.get(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) fail(CKR_FUNCTION_FAILED);
  const std::size_t kbytes = modulus_bytes(pub);
  Bytes input(plain.begin(), plain.end());
  switch (m.spec->kind) {
    case Kind::RsaPkcs:
      if (plain.size() + 11 > kbytes) fail(CKR_DATA_LEN_RANGE);
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
      break;
    case Kind::RsaX509:
      if (plain.size() > kbytes) fail(CKR_DATA_LEN_RANGE);
      input.insert(input.begin(), kbytes - plain.size(), 0);
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING);
      break;
    case Kind::RsaOaep: {
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING);
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), m.pss_hash);
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), m.mgf1);
      if (!m.oaep_label.empty()) {
        auto* label = static_cast<unsigned char*>(OPENSSL_memdup(m.oaep_label.data(), m.oaep_label.size()));
        EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, static_cast<int>(m.oaep_label.size()));
      }
      break;
    }
    default: fail(CKR_MECHANISM_INVALID);
  }
  std::size_t n = kbytes;
  Bytes out(n);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, input.data(), input.size()) != 1) fail(CKR_DATA_LEN_RANGE);
  out.resize(n);
  return out;
}

}  // namespace akis::p11
