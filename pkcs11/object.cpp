// SPDX-License-Identifier: LGPL-2.1-or-later
#include "object.hpp"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <memory>

#include "akis/tlv.hpp"
#include "akis/x509_name.hpp"
#include "errors.hpp"

namespace akis::p11 {

void Object::set_ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v) {
  Bytes b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  attrs[t] = std::move(b);
}

bool Object::get_bool(CK_ATTRIBUTE_TYPE t) const {
  auto* b = get(t);
  return b && b->size() == 1 && (*b)[0] == CK_TRUE;
}

std::optional<CK_ULONG> Object::get_ulong(CK_ATTRIBUTE_TYPE t) const {
  auto* b = get(t);
  if (!b || b->size() != sizeof(CK_ULONG)) return std::nullopt;
  CK_ULONG v;
  std::memcpy(&v, b->data(), sizeof v);
  return v;
}

const Bytes* Object::get(CK_ATTRIBUTE_TYPE t) const {
  auto it = attrs.find(t);
  return it == attrs.end() ? nullptr : &it->second;
}

bool Object::matches(const CK_ATTRIBUTE* tmpl, CK_ULONG count) const {
  for (CK_ULONG i = 0; i < count; ++i) {
    if (sensitive.count(tmpl[i].type)) return false;
    auto* v = get(tmpl[i].type);
    if (!v || v->size() != tmpl[i].ulValueLen) return false;
    if (!v->empty() && (tmpl[i].pValue == nullptr || std::memcmp(v->data(), tmpl[i].pValue, v->size()) != 0))
      return false;
  }
  return true;
}

Object::Value Object::value_of(CK_ATTRIBUTE_TYPE t) const {
  if (sensitive.count(t)) return {CKR_ATTRIBUTE_SENSITIVE, {}};
  auto* v = get(t);
  if (!v) return {CKR_ATTRIBUTE_TYPE_INVALID, {}};
  return {CKR_OK, *v};
}

namespace {

struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

template <class T, class F>
Bytes i2d(const T* obj, F fn) {
  unsigned char* out = nullptr;
  int n = fn(const_cast<T*>(obj), &out);
  if (n <= 0) throw std::runtime_error("DER encoding failed");
  Bytes b(out, out + n);
  OPENSSL_free(out);
  return b;
}

Ptr<X509> parse_cert(ByteView der) {
  const unsigned char* p = der.data();
  Ptr<X509> c(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!c) throw CardError(Err::Malformed, "certificate on the card is not valid X.509");
  return c;
}

Ptr<EVP_PKEY> parse_spki(ByteView der) {
  const unsigned char* p = der.data();
  Ptr<EVP_PKEY> k(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!k) throw CardError(Err::Malformed, "public key on the card is not a valid SubjectPublicKeyInfo");
  return k;
}

Bytes bn_param(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) throw CardError(Err::Malformed, "RSA key parameter");
  Ptr<BIGNUM> hold(bn);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}


// Attributes every key object of a pair carries, from its SubjectPublicKeyInfo.
void key_material(Object& o, const Bytes& spki, KeyType type) {
  auto k = parse_spki(spki);
  o.spki = spki;
  o.set(CKA_PUBLIC_KEY_INFO, spki);
  if (type == KeyType::Rsa) {
    o.set_ulong(CKA_KEY_TYPE, CKK_RSA);
    Bytes n = bn_param(k.get(), OSSL_PKEY_PARAM_RSA_N);
    o.set(CKA_MODULUS, n);
    o.set(CKA_PUBLIC_EXPONENT, bn_param(k.get(), OSSL_PKEY_PARAM_RSA_E));
    o.set_ulong(CKA_MODULUS_BITS, static_cast<CK_ULONG>(EVP_PKEY_get_bits(k.get())));
  } else {
    o.set_ulong(CKA_KEY_TYPE, CKK_EC);
    char group[64] = {0};
    std::size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(k.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) != 1)
      throw CardError(Err::Malformed, "EC key without a named curve");
    Ptr<ASN1_OBJECT> oid(OBJ_txt2obj(group, 0));
    if (!oid) throw CardError(Err::Malformed, "unknown EC curve");
    o.set(CKA_EC_PARAMS, i2d(oid.get(), i2d_ASN1_OBJECT));
    std::size_t plen = 0;
    EVP_PKEY_get_octet_string_param(k.get(), OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &plen);
    Bytes point(plen);
    if (EVP_PKEY_get_octet_string_param(k.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), plen, &plen) != 1)
      throw CardError(Err::Malformed, "EC point");
    point.resize(plen);
    o.set(CKA_EC_POINT, encode_tlv(0x04, point));
  }
}

void storage(Object& o, CK_OBJECT_CLASS cls, const std::string& label, ByteView id, bool priv) {
  o.cls = cls;
  o.is_private = priv;
  o.set_ulong(CKA_CLASS, cls);
  o.set_bool(CKA_TOKEN, true);
  o.set_bool(CKA_PRIVATE, priv);
  o.set_bool(CKA_MODIFIABLE, false);
  o.set_bool(CKA_COPYABLE, false);
  o.set_bool(CKA_DESTROYABLE, false);
  o.set_string(CKA_LABEL, label);
  o.set(CKA_ID, id);
}

void key_common(Object& o, const Bytes& subject) {
  o.set(CKA_SUBJECT, subject);
  o.set(CKA_START_DATE, {});
  o.set(CKA_END_DATE, {});
  o.set_bool(CKA_DERIVE, false);
  o.set_bool(CKA_LOCAL, true);  // generated on the card
  o.set_ulong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
}

}  // namespace

std::string token_label_from_certificate(ByteView cert_der) {
  auto c = parse_cert(cert_der);
  X509_NAME* subject = X509_get_subject_name(c.get());
  std::string org = x509_name_entry(subject, NID_organizationName);
  return org.empty() ? x509_name_entry(subject, NID_commonName) : org;
}

Object certificate_object(const CertInfo& info, ByteView der) {
  auto c = parse_cert(der);
  Object o;
  storage(o, CKO_CERTIFICATE, info.label, info.id, false);
  o.set_bool(CKA_DESTROYABLE, true);  // certificates may be removed from the card (C_DestroyObject)
  o.set_bool(CKA_COPYABLE, true);     // public content: C_CopyObject makes session copies
  o.set_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509);
  o.set_bool(CKA_TRUSTED, false);
  o.set_ulong(CKA_CERTIFICATE_CATEGORY, info.authority ? 2 : 1);  // authority / token user
  o.set(CKA_SUBJECT, i2d(X509_get_subject_name(c.get()), i2d_X509_NAME));
  o.set(CKA_ISSUER, i2d(X509_get_issuer_name(c.get()), i2d_X509_NAME));
  o.set(CKA_SERIAL_NUMBER, i2d(X509_get0_serialNumber(c.get()), i2d_ASN1_INTEGER));
  o.set(CKA_VALUE, der);
  o.set(CKA_URL, {});
  o.set(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, {});
  o.set(CKA_HASH_OF_ISSUER_PUBLIC_KEY, {});
  o.set_ulong(CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
  o.set(CKA_START_DATE, {});
  o.set(CKA_END_DATE, {});
  unsigned char sha1[20];
  unsigned int n = 0;
  EVP_Digest(der.data(), der.size(), sha1, &n, EVP_sha1(), nullptr);
  o.set(CKA_CHECK_VALUE, ByteView(sha1, 3));
  o.set(CKA_PUBLIC_KEY_INFO, i2d(X509_get0_pubkey(c.get()), i2d_PUBKEY));
  return o;
}

Object data_object(const DataObjectInfo& info, ByteView value) {
  Object o;
  storage(o, CKO_DATA, info.label, {}, false);
  o.attrs.erase(CKA_ID);  // data objects have none
  o.set_bool(CKA_MODIFIABLE, info.modifiable);
  o.set_bool(CKA_COPYABLE, true);
  o.set_bool(CKA_DESTROYABLE, true);
  o.set_string(CKA_APPLICATION, info.application);
  o.set(CKA_OBJECT_ID, info.oid);
  o.set(CKA_VALUE, value);
  o.card_data = info;
  return o;
}

std::optional<CertificateFacts> inspect_certificate(ByteView der) {
  const unsigned char* p = der.data();
  Ptr<X509> c(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!c || p != der.data() + der.size()) return std::nullopt;
  CertificateFacts f;
  f.common_name = x509_name_entry(X509_get_subject_name(c.get()), NID_commonName);
  f.is_ca = X509_check_ca(c.get()) > 0;
  f.spki = i2d(X509_get0_pubkey(c.get()), i2d_PUBKEY);
  return f;
}

std::vector<Object> build_objects(const CardContent& content) {
  std::vector<Object> out;
  const CardProfile& p = *content.profile;
  auto cert_of = [&](ByteView id) -> const Bytes* {
    for (auto& [info, der] : content.certificates)
      if (std::equal(info->id.begin(), info->id.end(), id.begin(), id.end())) return &der;
    return nullptr;
  };
  auto spki_of = [&](ByteView id) -> const Bytes* {
    for (auto& [info, der] : content.public_keys)
      if (std::equal(info->id.begin(), info->id.end(), id.begin(), id.end())) return &der;
    return nullptr;
  };

  for (auto& [info, der] : content.certificates) out.push_back(certificate_object(*info, der));

  for (auto& key : p.private_keys) {
    const Bytes* cert = cert_of(key.id);
    Bytes subject;
    for (auto& o : out)
      if (o.cls == CKO_CERTIFICATE && *o.get(CKA_ID) == key.id) subject = *o.get(CKA_SUBJECT);
    const Bytes* spki = spki_of(key.id);
    Bytes spki_bytes;
    if (spki) {
      spki_bytes = *spki;
    } else if (cert) {  // no public key file: take it from the certificate
      auto c = parse_cert(*cert);
      spki_bytes = i2d(X509_get0_pubkey(c.get()), i2d_PUBKEY);
    } else {
      continue;  // a key we cannot describe is not offered
    }
    const bool can_sign = key.usage & (key_usage::kSign | key_usage::kNonRepudiation | key_usage::kSignRecover);
    const bool can_decrypt = key.usage & (key_usage::kDecrypt | key_usage::kUnwrap);

    Object pub;
    storage(pub, CKO_PUBLIC_KEY, key.label, key.id, false);
    pub.set_bool(CKA_COPYABLE, true);
    key_common(pub, subject);
    key_material(pub, spki_bytes, key.type);
    pub.set_bool(CKA_VERIFY, can_sign);
    pub.set_bool(CKA_VERIFY_RECOVER, false);
    pub.set_bool(CKA_ENCRYPT, can_decrypt);
    pub.set_bool(CKA_WRAP, false);
    pub.set_bool(CKA_TRUSTED, false);
    out.push_back(std::move(pub));

    Object priv;
    storage(priv, CKO_PRIVATE_KEY, key.label, key.id, true);
    key_common(priv, subject);
    key_material(priv, spki_bytes, key.type);
    priv.attrs.erase(CKA_MODULUS_BITS);
    priv.set_bool(CKA_SENSITIVE, true);
    priv.set_bool(CKA_ALWAYS_SENSITIVE, true);
    priv.set_bool(CKA_EXTRACTABLE, false);
    priv.set_bool(CKA_NEVER_EXTRACTABLE, true);
    priv.set_bool(CKA_SIGN, can_sign);
    priv.set_bool(CKA_SIGN_RECOVER, false);
    priv.set_bool(CKA_DECRYPT, can_decrypt && key.type == KeyType::Rsa);
    priv.set_bool(CKA_UNWRAP, false);
    priv.set_bool(CKA_WRAP_WITH_TRUSTED, false);
    priv.set_bool(CKA_ALWAYS_AUTHENTICATE, key.user_consent > 0);
    if (key.type == KeyType::Rsa) {
      for (auto t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT})
        priv.sensitive.insert(t);
    } else {
      priv.sensitive.insert(CKA_VALUE);
    }
    priv.key = key;
    out.push_back(std::move(priv));
  }
  return out;
}

}  // namespace akis::p11
