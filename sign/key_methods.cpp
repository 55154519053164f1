// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenSSL keys whose private operation is the card's: an RSA_METHOD / EC_KEY_METHOD whose sign callbacks call
// C_Sign. OpenSSL 3 treats a key with a non-default method as "foreign" and keeps it on the legacy path, so
// CMS_sign, EVP_DigestSign and xmlsec reach these callbacks. (A provider would be the modern way; the legacy
// methods are deprecated but supported throughout OpenSSL 3.)
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>
#include <mutex>
#include <optional>

#include "p11_session.hpp"

namespace akis::sign {

namespace {

struct KeyRef {
  P11Session* s;
  CK_OBJECT_HANDLE h;
};

thread_local std::optional<TokenError> last_error;

int rsa_index() {
  static int i = RSA_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return i;
}
int ec_index() {
  static int i = EC_KEY_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return i;
}

// DER prefixes of the DigestInfo for each hash (RFC 8017 section 9.2, note 1).
std::optional<Bytes> digest_info_prefix(int nid) {
  switch (nid) {
    case NID_sha256: return Bytes{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    case NID_sha384: return Bytes{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
    case NID_sha512: return Bytes{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};
    case NID_sha1: return Bytes{0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
    default: return std::nullopt;
  }
}

std::optional<Bytes> card_sign(const KeyRef* k, CK_MECHANISM_TYPE mech, ByteView data) {
  if (!k) return std::nullopt;
  try {
    return k->s->sign(k->h, mech, data);
  } catch (const TokenError& e) {
    last_error = e;
  } catch (const std::exception& e) {
    last_error = TokenError(TokenErr::Failed, 0, e.what());
  }
  return std::nullopt;
}

int rsa_sign(int type, const unsigned char* m, unsigned int m_len, unsigned char* sigret, unsigned int* siglen,
             const RSA* rsa) {
  auto prefix = digest_info_prefix(type);
  if (!prefix) return 0;
  Bytes di = *prefix;
  di.insert(di.end(), m, m + m_len);
  auto sig = card_sign(static_cast<const KeyRef*>(RSA_get_ex_data(rsa, rsa_index())), CKM_RSA_PKCS, di);
  if (!sig || sig->size() > static_cast<std::size_t>(RSA_size(rsa))) return 0;
  std::memcpy(sigret, sig->data(), sig->size());
  *siglen = static_cast<unsigned int>(sig->size());
  return 1;
}

// The raw private operation with PKCS#1 v1.5 padding: `from` is already a DigestInfo.
int rsa_priv_enc(int flen, const unsigned char* from, unsigned char* to, RSA* rsa, int padding) {
  if (padding != RSA_PKCS1_PADDING) return -1;
  auto sig = card_sign(static_cast<const KeyRef*>(RSA_get_ex_data(rsa, rsa_index())), CKM_RSA_PKCS,
                       ByteView(from, static_cast<std::size_t>(flen)));
  if (!sig || sig->size() > static_cast<std::size_t>(RSA_size(rsa))) return -1;
  std::memcpy(to, sig->data(), sig->size());
  return static_cast<int>(sig->size());
}

ECDSA_SIG* ec_sign_sig(const unsigned char* dgst, int dlen, const BIGNUM*, const BIGNUM*, EC_KEY* ec) {
  auto sig = card_sign(static_cast<const KeyRef*>(EC_KEY_get_ex_data(ec, ec_index())), CKM_ECDSA,
                       ByteView(dgst, static_cast<std::size_t>(dlen)));
  if (!sig || sig->empty() || sig->size() % 2) return nullptr;
  std::size_t half = sig->size() / 2;
  BIGNUM* r = BN_bin2bn(sig->data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(sig->data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG* out = ECDSA_SIG_new();
  if (!r || !s || !out || !ECDSA_SIG_set0(out, r, s)) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(out);
    return nullptr;
  }
  return out;
}

int free_ref(RSA* rsa) {
  delete static_cast<KeyRef*>(RSA_get_ex_data(rsa, rsa_index()));
  RSA_set_ex_data(rsa, rsa_index(), nullptr);
  return 1;
}

const RSA_METHOD* rsa_method() {
  static RSA_METHOD* m = [] {
    RSA_METHOD* r = RSA_meth_dup(RSA_PKCS1_OpenSSL());
    RSA_meth_set1_name(r, "akis-pkcs11");
    RSA_meth_set_sign(r, rsa_sign);
    RSA_meth_set_priv_enc(r, rsa_priv_enc);
    RSA_meth_set_finish(r, free_ref);
    RSA_meth_set_flags(r, RSA_meth_get_flags(r) | RSA_FLAG_EXT_PKEY);
    return r;
  }();
  return m;
}

void ec_free_ref(EC_KEY* ec) {
  delete static_cast<KeyRef*>(EC_KEY_get_ex_data(ec, ec_index()));
  EC_KEY_set_ex_data(ec, ec_index(), nullptr);
}

const EC_KEY_METHOD* ec_method() {
  static EC_KEY_METHOD* m = [] {
    EC_KEY_METHOD* e = EC_KEY_METHOD_new(EC_KEY_OpenSSL());
    int (*sign)(int, const unsigned char*, int, unsigned char*, unsigned int*, const BIGNUM*, const BIGNUM*, EC_KEY*) = nullptr;
    int (*setup)(EC_KEY*, BN_CTX*, BIGNUM**, BIGNUM**) = nullptr;
    EC_KEY_METHOD_get_sign(EC_KEY_OpenSSL(), &sign, &setup, nullptr);
    EC_KEY_METHOD_set_sign(e, sign, setup, ec_sign_sig);
    int (*init)(EC_KEY*) = nullptr;
    int (*copy)(EC_KEY*, const EC_KEY*) = nullptr;
    int (*set_group)(EC_KEY*, const EC_GROUP*) = nullptr;
    int (*set_private)(EC_KEY*, const BIGNUM*) = nullptr;
    int (*set_public)(EC_KEY*, const EC_POINT*) = nullptr;
    EC_KEY_METHOD_get_init(EC_KEY_OpenSSL(), &init, nullptr, &copy, &set_group, &set_private, &set_public);
    EC_KEY_METHOD_set_init(e, init, ec_free_ref, copy, set_group, set_private, set_public);
    return e;
  }();
  return m;
}

}  // namespace

std::optional<TokenError> take_sign_error() {
  auto e = std::move(last_error);
  last_error.reset();
  return e;
}

PkeyPtr make_card_key(P11Session& s, CK_OBJECT_HANDLE key, const Bytes& cert_der) {
  const unsigned char* p = cert_der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(cert_der.size()));
  if (!x) throw TokenError(TokenErr::Failed, 0, "the token's certificate does not parse");
  EVP_PKEY* pub = X509_get0_pubkey(x);
  PkeyPtr out(EVP_PKEY_new());
  bool ok = false;
  if (pub && EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
    RSA* rsa = RSAPublicKey_dup(EVP_PKEY_get0_RSA(pub));
    if (rsa && RSA_set_method(rsa, rsa_method()) && RSA_set_ex_data(rsa, rsa_index(), new KeyRef{&s, key}))
      ok = EVP_PKEY_assign_RSA(out.get(), rsa) == 1;
    if (!ok) RSA_free(rsa);
  } else if (pub && EVP_PKEY_get_base_id(pub) == EVP_PKEY_EC) {
    EC_KEY* ec = EC_KEY_dup(EVP_PKEY_get0_EC_KEY(pub));
    if (ec && EC_KEY_set_method(ec, ec_method()) && EC_KEY_set_ex_data(ec, ec_index(), new KeyRef{&s, key}))
      ok = EVP_PKEY_assign_EC_KEY(out.get(), ec) == 1;
    if (!ok) EC_KEY_free(ec);
  }
  X509_free(x);
  if (!ok) throw TokenError(TokenErr::Failed, 0, "unsupported key type (RSA and EC are)");
  return out;
}

}  // namespace akis::sign
