// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ossl.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <stdexcept>

namespace akis::test {

namespace {
struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

Ptr<X509> parse(ByteView der) {
  const unsigned char* p = der.data();
  Ptr<X509> c(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!c) throw std::runtime_error("not an X.509 certificate");
  return c;
}
}  // namespace

std::string cert_subject(ByteView der) {
  auto c = parse(der);
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(c.get()), buf, sizeof buf);
  return buf;
}

bool cert_verifies_against(ByteView cert_der, const std::string& ca_pem_path) {
  auto c = parse(cert_der);
  Ptr<BIO> bio(BIO_new_file(ca_pem_path.c_str(), "r"));
  if (!bio) return false;
  Ptr<X509> ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!ca) return false;
  Ptr<X509_STORE> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.get());
  Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), c.get(), nullptr);
  return X509_verify_cert(ctx.get()) == 1;
}

bool verify_with_cert(ByteView cert_der, ByteView data, ByteView sig, const std::string& md,
                      const std::string& mode) {
  auto c = parse(cert_der);
  EVP_PKEY* key = X509_get0_pubkey(c.get());
  const EVP_MD* m = EVP_get_digestbyname(md.c_str());
  Bytes der_sig(sig.begin(), sig.end());
  if (mode == "ecdsa-raw") {  // r||s -> DER
    if (sig.size() % 2) return false;
    std::size_t h = sig.size() / 2;
    Ptr<ECDSA_SIG> es(ECDSA_SIG_new());
    ECDSA_SIG_set0(es.get(), BN_bin2bn(sig.data(), static_cast<int>(h), nullptr),
                   BN_bin2bn(sig.data() + h, static_cast<int>(h), nullptr));
    unsigned char* out = nullptr;
    int n = i2d_ECDSA_SIG(es.get(), &out);
    der_sig.assign(out, out + n);
    OPENSSL_free(out);
  }
  Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, m, nullptr, key) != 1) return false;
  if (mode == "pss") {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  return EVP_DigestVerify(ctx.get(), der_sig.data(), der_sig.size(), data.data(), data.size()) == 1;
}

Bytes encrypt_with_cert(ByteView cert_der, ByteView plain, const std::string& mode) {
  auto c = parse(cert_der);
  Ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(c.get()), nullptr));
  EVP_PKEY_encrypt_init(ctx.get());
  EVP_PKEY_CTX_set_rsa_padding(ctx.get(), mode == "oaep" ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING);
  std::size_t n = 0;
  EVP_PKEY_encrypt(ctx.get(), nullptr, &n, plain.data(), plain.size());
  Bytes out(n);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, plain.data(), plain.size()) != 1)
    throw std::runtime_error("encrypt failed");
  out.resize(n);
  return out;
}

Bytes sha256(ByteView data) {
  Bytes h(32);
  unsigned int n = 32;
  EVP_Digest(data.data(), data.size(), h.data(), &n, EVP_sha256(), nullptr);
  return h;
}

Bytes sha256_digest_info(ByteView data) {
  Bytes di = from_hex("3031300d060960864801650304020105000420");
  append(di, sha256(data));
  return di;
}

Bytes pss_encode_sha256(ByteView cert_der, ByteView data) {
  auto c = parse(cert_der);
  // OpenSSL 3 keeps RSA_padding_add_PKCS1_PSS as deprecated API; the tests accept that.
  const RSA* rsa = EVP_PKEY_get0_RSA(X509_get0_pubkey(c.get()));
  Bytes em(static_cast<std::size_t>(RSA_size(rsa)));
  Bytes h = sha256(data);
  if (RSA_padding_add_PKCS1_PSS(const_cast<RSA*>(rsa), em.data(), h.data(), EVP_sha256(), -1) != 1)
    throw std::runtime_error("PSS encoding failed");
  return em;
}

Bytes unpad_pkcs1_type2(ByteView block) {
  // 00 02 PS 00 M
  if (block.size() < 11 || block[0] != 0x00 || block[1] != 0x02) throw std::runtime_error("not PKCS#1 type 2");
  std::size_t i = 2;
  while (i < block.size() && block[i] != 0) ++i;
  if (i == block.size() || i < 10) throw std::runtime_error("bad padding");
  return Bytes(block.begin() + static_cast<std::ptrdiff_t>(i + 1), block.end());
}

}  // namespace akis::test

#include <openssl/hmac.h>

namespace akis::test {
Bytes hmac_sha256(ByteView key, ByteView msg) {
  Bytes out(32);
  unsigned int n = 32;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), msg.data(), msg.size(), out.data(), &n);
  return out;
}
}  // namespace akis::test
