// SPDX-License-Identifier: LGPL-2.1-or-later
// The C boundary (pkcs11/entry*.cpp): C_GetAttributeValue's buffer handling done there (the core returns values and
// never sees the caller's buffers), and a failure logged once, under the name of the function the application called.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "conformance.hpp"

using namespace akis;
using namespace akis::test;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

class Boundary : public Conformance {};

// 3.0 5.7: every entry answered; the value copied and ulValueLen set to its length; a short buffer gets
// CK_UNAVAILABLE_INFORMATION and nothing written into it; a NULL pValue gets the length.
TEST_F(Boundary, GetAttributeValueHandsOverEachEntry) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  auto certs = find(h, {attr(CKA_CLASS, &cls, sizeof cls)});
  ASSERT_FALSE(certs.empty());
  const Bytes der = get(h, certs[0], CKA_VALUE), id = get(h, certs[0], CKA_ID);
  ASSERT_GT(der.size(), 100u);
  ASSERT_FALSE(id.empty());
  Bytes big(der.size() + 50, 0xEE), short_buf(8, 0xAB), id_buf(id.size(), 0);
  CK_OBJECT_CLASS got = 0;
  CK_ATTRIBUTE t[] = {
      {CKA_VALUE, big.data(), static_cast<CK_ULONG>(big.size())},                 // larger than the value
      {CKA_VALUE, short_buf.data(), static_cast<CK_ULONG>(short_buf.size())},     // too small
      {CKA_ID, nullptr, 12345},                                                   // a length query
      {CKA_CLASS, &got, sizeof got},                                              // exact
      {CKA_ID, id_buf.data(), static_cast<CK_ULONG>(id_buf.size())},
  };
  EXPECT_EQ(f->C_GetAttributeValue(h, certs[0], t, 5), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(t[0].ulValueLen, der.size());
  EXPECT_EQ(Bytes(big.begin(), big.begin() + der.size()), der);
  EXPECT_EQ(big[der.size()], 0xEE);  // nothing past the value
  EXPECT_EQ(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(short_buf, Bytes(8, 0xAB));  // not a byte written into the short buffer
  EXPECT_EQ(t[2].ulValueLen, id.size());
  EXPECT_EQ(t[3].ulValueLen, sizeof got);
  EXPECT_EQ(got, static_cast<CK_OBJECT_CLASS>(CKO_CERTIFICATE));
  EXPECT_EQ(id_buf, id);
  // A sensitive attribute beside values: the values are handed over all the same.
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_OBJECT_HANDLE key = private_key(h, CKK_RSA);
  Bytes key_id(id.size() + 4, 0);
  CK_ATTRIBUTE k[] = {{CKA_PRIVATE_EXPONENT, nullptr, 0},
                      {CKA_ID, key_id.data(), static_cast<CK_ULONG>(key_id.size())}};
  EXPECT_EQ(f->C_GetAttributeValue(h, key, k, 2), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(k[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(k[1].ulValueLen, get(h, key, CKA_ID).size());
}

// C_LoginUser is C_Login with a user name: its failure is logged once, as C_LoginUser (it was logged twice, once
// under C_Login's name).
TEST_F(Boundary, LoginUserFailureLoggedOnce) {
  const std::string log = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/boundary-" +
                          std::to_string(::getpid()) + ".log";
  std::remove(log.c_str());
  ::setenv("AKIS_PKCS11_LOG", "debug", 1);
  ::setenv("AKIS_PKCS11_LOG_FILE", log.c_str(), 1);
  insert(Variant::Pre2011);
  init();
  ::unsetenv("AKIS_PKCS11_LOG");
  ::unsetenv("AKIS_PKCS11_LOG_FILE");
  CK_FUNCTION_LIST_3_0* f3 = functions_3_0();
  ASSERT_NE(f3, nullptr);
  CK_SESSION_HANDLE h = open();
  CK_UTF8CHAR pin[] = "123456";
  EXPECT_EQ(f3->C_LoginUser(h, 42, pin, 6, nullptr, 0), CKR_USER_TYPE_INVALID);
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);  // flushes and closes the log
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  const std::string line = "C_LoginUser: 0x" + [] {
    char b[16];
    std::snprintf(b, sizeof b, "%08lx", static_cast<unsigned long>(CKR_USER_TYPE_INVALID));
    return std::string(b);
  }();
  EXPECT_EQ(count_of(text.str(), line), 1u) << text.str();
  EXPECT_EQ(count_of(text.str(), "C_Login: "), 0u) << text.str();
  std::remove(log.c_str());
}

}  // namespace
