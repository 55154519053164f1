// Objects and attribute semantics.
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
