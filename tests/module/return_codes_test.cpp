// SPDX-License-Identifier: LGPL-2.1-or-later
// Return-value tables of the digest functions, C_DestroyObject and C_FindObjects (pkcs11/return_codes.cpp): the
// codes the module answers on their error paths are in their lists, and the tables are the standard's (a code
// the standard leaves out is refused).
#include <cstdlib>
#include <fstream>

#include "p11_fixture.hpp"
#include "return_codes.hpp"

namespace akis::test {
namespace {

class ReturnCodes : public P11 {
 protected:
  std::vector<std::pair<std::string, CK_RV>> seen;
  CK_RV note(const char* fn, CK_RV rv) {
    seen.emplace_back(fn, rv);
    return rv;
  }
  void check_all_listed() {
    for (auto& [fn, rv] : seen) EXPECT_TRUE(p11::listed_for(fn.c_str(), rv)) << fn << " returned 0x" << std::hex << rv;
  }
};

TEST_F(ReturnCodes, DigestErrorPathsAnswerListedCodes) {
  insert(Variant::Post2011);
  init();
  CK_SESSION_HANDLE h = open(false);
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0}, bad{CKM_RSA_PKCS, nullptr, 0};
  CK_BYTE data[3] = {1, 2, 3}, out[64];
  CK_ULONG n = sizeof out;
  EXPECT_EQ(note("C_DigestInit", f->C_DigestInit(h, &bad)), CKR_MECHANISM_INVALID);
  EXPECT_EQ(note("C_DigestInit", f->C_DigestInit(h, nullptr)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_DigestInit", f->C_DigestInit(4242, &sha)), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(note("C_Digest", f->C_Digest(h, data, 3, out, &n)), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(note("C_DigestUpdate", f->C_DigestUpdate(h, data, 3)), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(note("C_DigestFinal", f->C_DigestFinal(h, out, &n)), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(note("C_DigestInit", f->C_DigestInit(h, &sha)), CKR_OK);
  EXPECT_EQ(note("C_DigestInit", f->C_DigestInit(h, &sha)), CKR_OPERATION_ACTIVE);
  ASSERT_EQ(note("C_DigestUpdate", f->C_DigestUpdate(h, data, 3)), CKR_OK);
  // 3.0 5.2: a single-part call cannot end a multi-part operation (outside 2.40's list, kept on purpose).
  EXPECT_EQ(note("C_Digest", f->C_Digest(h, data, 3, out, &n)), CKR_OPERATION_ACTIVE);
  // ... and, as every error but CKR_BUFFER_TOO_SMALL, that ended the operation.
  EXPECT_EQ(note("C_DigestFinal", f->C_DigestFinal(h, out, &n)), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(note("C_DigestInit", f->C_DigestInit(h, &sha)), CKR_OK);
  ASSERT_EQ(note("C_DigestUpdate", f->C_DigestUpdate(h, data, 3)), CKR_OK);
  n = 4;
  EXPECT_EQ(note("C_DigestFinal", f->C_DigestFinal(h, out, &n)), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 32u);
  EXPECT_EQ(note("C_DigestFinal", f->C_DigestFinal(h, out, nullptr)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_DigestFinal", f->C_DigestFinal(h, out, &n)), CKR_OPERATION_NOT_INITIALIZED);  // it ended
  check_all_listed();
  EXPECT_FALSE(p11::listed_for("C_DigestUpdate", CKR_OPERATION_ACTIVE));
  EXPECT_FALSE(p11::listed_for("C_Digest", CKR_USER_NOT_LOGGED_IN));
  EXPECT_FALSE(p11::listed_for("C_DigestFinal", CKR_PIN_INCORRECT));
}

TEST_F(ReturnCodes, DestroyObjectAndFindObjectsAnswerListedCodes) {
  std::string conf = temp_dir() + "/return-codes.conf";
  std::ofstream(conf) << "allow_certificate_writes = yes\n";
  ::setenv("AKIS_PKCS11_CONF", conf.c_str(), 1);
  insert(Variant::Post2011);
  init();
  CK_SESSION_HANDLE ro = open(false), rw = open(true);
  auto certs = find_class(rw, CKO_CERTIFICATE);
  ASSERT_FALSE(certs.empty());
  EXPECT_EQ(note("C_DestroyObject", f->C_DestroyObject(rw, 987654)), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(note("C_DestroyObject", f->C_DestroyObject(4242, certs[0])), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(note("C_DestroyObject", f->C_DestroyObject(ro, certs[0])), CKR_SESSION_READ_ONLY);
  // The certificate of the card's own key pair (3.0's code; 2.40 had none for it).
  EXPECT_EQ(note("C_DestroyObject", f->C_DestroyObject(rw, certs[0])), CKR_ACTION_PROHIBITED);
  auto keys = find_class(rw, CKO_PUBLIC_KEY);
  for (auto k : keys) note("C_DestroyObject", f->C_DestroyObject(rw, k));
  CK_OBJECT_HANDLE buf[2];
  CK_ULONG n = 0;
  EXPECT_EQ(note("C_FindObjects", f->C_FindObjects(rw, buf, 2, &n)), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(note("C_FindObjects", f->C_FindObjects(4242, buf, 2, &n)), CKR_SESSION_HANDLE_INVALID);
  ASSERT_EQ(f->C_FindObjectsInit(rw, nullptr, 0), CKR_OK);
  EXPECT_EQ(note("C_FindObjects", f->C_FindObjects(rw, nullptr, 2, &n)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_FindObjects", f->C_FindObjects(rw, buf, 2, nullptr)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_FindObjectsFinal(rw), CKR_OK);
  ::unsetenv("AKIS_PKCS11_CONF");
  check_all_listed();
  EXPECT_FALSE(p11::listed_for("C_DestroyObject", CKR_PIN_INCORRECT));
  EXPECT_FALSE(p11::listed_for("C_FindObjects", CKR_OPERATION_ACTIVE));
}

}  // namespace
}  // namespace akis::test
