// SPDX-License-Identifier: LGPL-2.1-or-later
// Objects and attribute semantics.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>

#include "p11_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

TEST_F(P11, PublicObjectsWithoutLoginPrivateKeysAfter) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  EXPECT_EQ(find_class(h, CKO_CERTIFICATE).size(), 3u);
  EXPECT_EQ(find_class(h, CKO_PUBLIC_KEY).size(), 3u);
  EXPECT_EQ(find_class(h, CKO_PRIVATE_KEY).size(), 0u);
  EXPECT_EQ(find(h).size(), 6u);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  EXPECT_EQ(find_class(h, CKO_PRIVATE_KEY).size(), 3u);
  EXPECT_EQ(find(h).size(), 9u);
}

TEST_F(P11, OneIdPerKeyPairAcrossCertificatePublicAndPrivateKey) {
  insert(Variant::Seal);  // two RSA key pairs: the vendor library gives both private keys one CKA_ID
  init();
  CK_SESSION_HANDLE h = open();
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  auto privs = find_class(h, CKO_PRIVATE_KEY);
  ASSERT_EQ(privs.size(), 2u);
  Bytes id0 = get(h, privs[0], CKA_ID), id1 = get(h, privs[1], CKA_ID);
  EXPECT_NE(id0, id1);
  for (auto& id : {id0, id1}) {
    for (CK_OBJECT_CLASS cls : {CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY}) {
      auto objs = find(h, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, id.data(), id.size())});
      EXPECT_EQ(objs.size(), 1u) << cls;
    }
  }
  // Public parts of the key agree with the certificate.
  Bytes cert = cert_for(h, privs[0]);
  EXPECT_FALSE(cert.empty());
  EXPECT_EQ(get(h, privs[0], CKA_MODULUS).size(), 256u);
}

TEST_F(P11, AttributeSemantics) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_OBJECT_HANDLE key = private_key(h, CKK_RSA);
  CK_BBOOL sensitive = 0, extractable = 1, sign = 0;
  CK_BYTE modulus[256], small[4];
  CK_BYTE priv_exp[256];
  CK_ATTRIBUTE t[] = {
      {CKA_SENSITIVE, &sensitive, sizeof sensitive},
      {CKA_PRIVATE_EXPONENT, priv_exp, sizeof priv_exp},
      {CKA_EXTRACTABLE, &extractable, sizeof extractable},
      {0x80001234UL, small, sizeof small},  // unknown vendor attribute
      {CKA_MODULUS, modulus, sizeof modulus},
      {CKA_SIGN, &sign, sizeof sign},
  };
  // Both conditions apply; PKCS#11 lets the module report either, after filling every entry it can.
  CK_RV rv = f->C_GetAttributeValue(h, key, t, 6);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) << rv;
  EXPECT_EQ(sensitive, CK_TRUE);
  EXPECT_EQ(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(extractable, CK_FALSE);
  EXPECT_EQ(t[3].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(t[4].ulValueLen, 256u);
  EXPECT_EQ(sign, CK_TRUE);
  // Two-call length query and a short buffer.
  CK_ATTRIBUTE q{CKA_MODULUS, nullptr, 0};
  EXPECT_EQ(f->C_GetAttributeValue(h, key, &q, 1), CKR_OK);
  EXPECT_EQ(q.ulValueLen, 256u);
  CK_ATTRIBUTE s{CKA_MODULUS, small, sizeof small};
  EXPECT_EQ(f->C_GetAttributeValue(h, key, &s, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(s.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  CK_ATTRIBUTE u{0x80001234UL, nullptr, 0};
  EXPECT_EQ(f->C_GetAttributeValue(h, key, &u, 1), CKR_ATTRIBUTE_TYPE_INVALID);
  // EC keys answer probes of their public attributes (the vendor library: CKR_ATTRIBUTE_SENSITIVE).
  CK_OBJECT_HANDLE ec = private_key(h, CKK_EC);
  EXPECT_EQ(get(h, ec, CKA_EC_PARAMS), from_hex("06082A8648CE3D030107"));
  EXPECT_FALSE(get(h, ec, CKA_EC_POINT).empty());
  CK_ATTRIBUTE v{CKA_VALUE, nullptr, 0};
  EXPECT_EQ(f->C_GetAttributeValue(h, ec, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
  // Bad handles.
  EXPECT_EQ(f->C_GetAttributeValue(h, 999999, &q, 1), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(f->C_GetAttributeValue(999999, key, &q, 1), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_SetAttributeValue(h, key, &q, 1), CKR_ACTION_PROHIBITED);
  CK_ULONG size = 0;
  EXPECT_EQ(f->C_GetObjectSize(h, key, &size), CKR_OK);
  EXPECT_GT(size, 256u);
}

TEST_F(P11, CertificateAttributesMatchTheDer) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  auto certs = find_class(h, CKO_CERTIFICATE);
  ASSERT_FALSE(certs.empty());
  Bytes der = get(h, certs[0], CKA_VALUE);
  EXPECT_TRUE(cert_verifies_against(der, ca_cert_path()));
  Bytes subject = get(h, certs[0], CKA_SUBJECT), issuer = get(h, certs[0], CKA_ISSUER);
  EXPECT_NE(std::search(der.begin(), der.end(), subject.begin(), subject.end()), der.end());
  EXPECT_NE(std::search(der.begin(), der.end(), issuer.begin(), issuer.end()), der.end());
  Bytes serial = get(h, certs[0], CKA_SERIAL_NUMBER);
  EXPECT_EQ(serial[0], 0x02);  // DER INTEGER
  CK_ULONG cat = 0;
  CK_ATTRIBUTE c{CKA_CERTIFICATE_CATEGORY, &cat, sizeof cat};
  EXPECT_EQ(f->C_GetAttributeValue(h, certs[0], &c, 1), CKR_OK);
  EXPECT_EQ(cat, 1u);  // token user
  // Find by several attributes at once, and a template that matches nothing.
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  EXPECT_EQ(find(h, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_SUBJECT, subject.data(), subject.size())}).size(),
            3u);
  EXPECT_TRUE(find(h, {attr(CKA_SUBJECT, "x", 1)}).empty());
  // A second FindObjectsInit while one is active.
  EXPECT_EQ(f->C_FindObjectsInit(h, nullptr, 0), CKR_OK);
  EXPECT_EQ(f->C_FindObjectsInit(h, nullptr, 0), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OK);
  EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OPERATION_NOT_INITIALIZED);
}

}  // namespace

namespace {

// The test CA's certificate, DER: a certificate a holder may want to keep on the card (the issuer chain).
Bytes ca_der() {
  FILE* f = std::fopen(ca_cert_path().c_str(), "r");
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

// Writes to the card need `allow_certificate_writes = yes` in the module's configuration file.
void allow_certificate_writes(bool allow) {
  const std::string conf = temp_dir() + "/pkcs11-writes.conf";
  FILE* f = std::fopen(conf.c_str(), "w");
  std::fputs(allow ? "allow_certificate_writes = yes\n" : "# writes off\n", f);
  std::fclose(f);
  ::setenv("AKIS_PKCS11_CONF", conf.c_str(), 1);
}

std::vector<CK_ATTRIBUTE> cert_template(const Bytes& der, const char* label, CK_OBJECT_CLASS& cls,
                                        CK_CERTIFICATE_TYPE& type, CK_BBOOL& yes) {
  return {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_CERTIFICATE_TYPE, &type, sizeof type), attr(CKA_TOKEN, &yes, 1),
          attr(CKA_LABEL, label, std::strlen(label)), attr(CKA_VALUE, der.data(), der.size())};
}

TEST_F(P11, CertificateWritesAreOffUnlessConfigured) {
  auto card = insert(Variant::Post2011);
  allow_certificate_writes(false);
  init();
  Bytes der = ca_der();
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  CK_BBOOL yes = CK_TRUE;
  auto t = cert_template(der, "Kök SM", cls, type, yes);
  CK_SESSION_HANDLE rw = open(true);
  ASSERT_EQ(login(rw, "123456"), CKR_OK);
  std::size_t files_before = card->state().files.size();
  CK_OBJECT_HANDLE o = 0;
  EXPECT_EQ(f->C_CreateObject(rw, t.data(), t.size(), &o), CKR_TOKEN_WRITE_PROTECTED);
  auto certs = find_class(rw, CKO_CERTIFICATE);
  ASSERT_EQ(certs.size(), 1u);
  EXPECT_EQ(f->C_DestroyObject(rw, certs[0]), CKR_TOKEN_WRITE_PROTECTED);
  EXPECT_EQ(card->state().files.size(), files_before);
  ::unsetenv("AKIS_PKCS11_CONF");
}

TEST_F(P11, CertificatesAreWrittenToAndRemovedFromTheCard) {
  auto card = insert(Variant::Post2011);
  allow_certificate_writes(true);
  init();
  Bytes der = ca_der();
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_CERTIFICATE_TYPE type = CKC_X_509;
  CK_BBOOL yes = CK_TRUE;
  const char* label = "Kök SM";
  std::vector<CK_ATTRIBUTE> t = cert_template(der, label, cls, type, yes);
  CK_OBJECT_HANDLE o = 0;
  CK_SESSION_HANDLE ro = open(false), rw = open(true);
  EXPECT_EQ(f->C_CreateObject(rw, t.data(), t.size(), &o), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(login(rw, "123456"), CKR_OK);
  EXPECT_EQ(f->C_CreateObject(ro, t.data(), t.size(), &o), CKR_SESSION_READ_ONLY);
  Bytes junk = {0x30, 0x03, 0x02, 0x01, 0x01};
  std::vector<CK_ATTRIBUTE> bad = t;
  bad[4] = attr(CKA_VALUE, junk.data(), junk.size());
  EXPECT_EQ(f->C_CreateObject(rw, bad.data(), bad.size(), &o), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(f->C_CreateObject(rw, t.data(), 3, &o), CKR_TEMPLATE_INCOMPLETE);
  std::size_t files_before = card->state().files.size();
  ASSERT_EQ(f->C_CreateObject(rw, t.data(), t.size(), &o), CKR_OK);
  EXPECT_EQ(card->state().files.size(), files_before + 1);  // a new EF on the card
  EXPECT_EQ(get(rw, o, CKA_VALUE), der);
  EXPECT_EQ(get(rw, o, CKA_LABEL), to_bytes(label));
  CK_ULONG category = 0;
  CK_ATTRIBUTE c{CKA_CERTIFICATE_CATEGORY, &category, sizeof category};
  f->C_GetAttributeValue(rw, o, &c, 1);
  EXPECT_EQ(category, 2u);  // a CA certificate: authority
  EXPECT_EQ(find_class(rw, CKO_CERTIFICATE).size(), 2u);
  // A certificate of another card (same CA, no key here): the one a holder may add and remove again.
  const Bytes other = material_for("1.0").keys.at(0).cert_der;
  auto t2 = cert_template(other, "başka", cls, type, yes);
  CK_OBJECT_HANDLE o2 = 0;
  ASSERT_EQ(f->C_CreateObject(rw, t2.data(), t2.size(), &o2), CKR_OK);
  EXPECT_EQ(card->state().files.size(), files_before + 2);

  // A new module instance reads them from the card.
  f->C_Finalize(nullptr);
  readers().remove(kReaderA);
  readers().insert(kReaderA, card);
  init();
  CK_SESSION_HANDLE h = open();
  auto certs = find_class(h, CKO_CERTIFICATE);
  ASSERT_EQ(certs.size(), 3u);
  CK_OBJECT_HANDLE issuer = CK_INVALID_HANDLE, stored = CK_INVALID_HANDLE, own = CK_INVALID_HANDLE;
  for (auto x : certs) {
    Bytes v = get(h, x, CKA_VALUE);
    (v == der ? issuer : v == other ? stored : own) = x;
  }
  ASSERT_NE(issuer, CK_INVALID_HANDLE);
  ASSERT_NE(stored, CK_INVALID_HANDLE);
  ASSERT_NE(own, CK_INVALID_HANDLE);
  // Keys cannot be destroyed, nor the certificate of a key, nor the issuer's certificate; the other certificate
  // can, after login, in a read-write session.
  EXPECT_EQ(f->C_DestroyObject(h, stored), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  EXPECT_EQ(f->C_DestroyObject(h, private_key(h, CKK_RSA)), CKR_ACTION_PROHIBITED);
  EXPECT_EQ(f->C_DestroyObject(h, own), CKR_ACTION_PROHIBITED);
  EXPECT_EQ(f->C_DestroyObject(h, issuer), CKR_ACTION_PROHIBITED);
  EXPECT_EQ(card->state().files.size(), files_before + 2);
  ASSERT_EQ(f->C_DestroyObject(h, stored), CKR_OK);
  EXPECT_EQ(find_class(h, CKO_CERTIFICATE).size(), 2u);
  EXPECT_EQ(card->state().files.size(), files_before + 1);
  f->C_Finalize(nullptr);
  readers().remove(kReaderA);
  readers().insert(kReaderA, card);
  init();
  EXPECT_EQ(find_class(open(), CKO_CERTIFICATE).size(), 2u);
  ::unsetenv("AKIS_PKCS11_CONF");
}

}  // namespace
