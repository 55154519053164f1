// SPDX-License-Identifier: LGPL-2.1-or-later
// Return-value tables (pkcs11/return_codes.cpp) of the digest functions, the slot, session and object functions:
// the codes the module answers on their error paths are in their lists, and the tables are the standard's (a code
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

TEST_F(ReturnCodes, SlotSessionAndObjectErrorPathsAnswerListedCodes) {
  std::string conf = temp_dir() + "/return-codes-2.conf";
  std::ofstream(conf) << "allow_card_writes = yes\n";
  ::setenv("AKIS_PKCS11_CONF", conf.c_str(), 1);
  insert(Variant::Post2011);
  init();
  CK_ULONG n = 0;
  CK_SLOT_ID one[1];
  CK_SLOT_INFO si;
  EXPECT_EQ(note("C_GetSlotList", f->C_GetSlotList(CK_FALSE, nullptr, nullptr)), CKR_ARGUMENTS_BAD);
  n = 1;
  EXPECT_EQ(note("C_GetSlotList", f->C_GetSlotList(CK_FALSE, one, &n)), CKR_BUFFER_TOO_SMALL);  // two readers
  EXPECT_EQ(note("C_GetSlotInfo", f->C_GetSlotInfo(987654, &si)), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(note("C_GetSlotInfo", f->C_GetSlotInfo(slot_of(kReaderA), nullptr)), CKR_ARGUMENTS_BAD);
  const CK_SLOT_ID empty = slot_of(kReaderB);
  CK_MECHANISM_INFO mi;
  CK_SESSION_HANDLE h = 0;
  EXPECT_EQ(note("C_GetMechanismList", f->C_GetMechanismList(empty, nullptr, &n)), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(note("C_GetMechanismList", f->C_GetMechanismList(slot_of(kReaderA), nullptr, nullptr)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_GetMechanismInfo", f->C_GetMechanismInfo(slot_of(kReaderA), CKM_AES_CBC, &mi)), CKR_MECHANISM_INVALID);
  EXPECT_EQ(note("C_OpenSession", f->C_OpenSession(empty, CKF_SERIAL_SESSION, nullptr, nullptr, &h)), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(note("C_OpenSession", f->C_OpenSession(slot_of(kReaderA), 0, nullptr, nullptr, &h)),
            CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  EXPECT_EQ(note("C_CloseAllSessions", f->C_CloseAllSessions(987654)), CKR_SLOT_ID_INVALID);
  CK_SESSION_HANDLE ro = open(false), rw = open(true);
  EXPECT_EQ(note("C_Logout", f->C_Logout(rw)), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(note("C_Logout", f->C_Logout(4242)), CKR_SESSION_HANDLE_INVALID);
  // Object functions, data objects on the card included.
  CK_OBJECT_CLASS data = CKO_DATA;
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &data, sizeof data), attr(CKA_TOKEN, &yes, 1), attr(CKA_VALUE, "v", 1),
                      attr(CKA_PRIVATE, &yes, 1)};
  CK_OBJECT_HANDLE o = 0;
  EXPECT_EQ(note("C_CreateObject", f->C_CreateObject(ro, t, 3, &o)), CKR_SESSION_READ_ONLY);
  EXPECT_EQ(note("C_CreateObject", f->C_CreateObject(rw, t, 3, &o)), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(note("C_CreateObject", f->C_CreateObject(rw, t, 4, &o)), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(note("C_CreateObject", f->C_CreateObject(rw, nullptr, 3, &o)), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(login(rw, "123456"), CKR_OK);
  ASSERT_EQ(note("C_CreateObject", f->C_CreateObject(rw, t, 3, &o)), CKR_OK);
  CK_ATTRIBUTE cls = attr(CKA_CLASS, &data, sizeof data), bad_type = attr(CKA_MODULUS, nullptr, 0);
  EXPECT_EQ(note("C_SetAttributeValue", f->C_SetAttributeValue(rw, o, &cls, 1)), CKR_ATTRIBUTE_READ_ONLY);
  EXPECT_EQ(note("C_SetAttributeValue", f->C_SetAttributeValue(ro, 987654, &cls, 1)), CKR_OBJECT_HANDLE_INVALID);
  CK_ATTRIBUTE label = attr(CKA_LABEL, "x", 1);
  EXPECT_EQ(note("C_SetAttributeValue", f->C_SetAttributeValue(ro, o, &label, 1)), CKR_SESSION_READ_ONLY);
  EXPECT_EQ(note("C_GetAttributeValue", f->C_GetAttributeValue(rw, o, &bad_type, 1)), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(note("C_GetAttributeValue", f->C_GetAttributeValue(rw, o, nullptr, 1)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_GetObjectSize", f->C_GetObjectSize(rw, 987654, &n)), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(note("C_CopyObject", f->C_CopyObject(rw, o, &t[1], 1, &o)), CKR_ATTRIBUTE_VALUE_INVALID);  // not to the card
  ASSERT_EQ(note("C_FindObjectsInit", f->C_FindObjectsInit(rw, nullptr, 0)), CKR_OK);
  EXPECT_EQ(note("C_FindObjectsInit", f->C_FindObjectsInit(rw, nullptr, 0)), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(f->C_FindObjectsFinal(rw), CKR_OK);
  EXPECT_EQ(note("C_FindObjectsInit", f->C_FindObjectsInit(rw, nullptr, 1)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_DestroyObject", f->C_DestroyObject(rw, o)), CKR_OK);
  ::unsetenv("AKIS_PKCS11_CONF");
  check_all_listed();
  EXPECT_FALSE(p11::listed_for("C_GetSlotList", CKR_DEVICE_ERROR));
  EXPECT_FALSE(p11::listed_for("C_GetSlotInfo", CKR_DEVICE_REMOVED));
  EXPECT_FALSE(p11::listed_for("C_Logout", CKR_PIN_INCORRECT));
  EXPECT_FALSE(p11::listed_for("C_GetAttributeValue", CKR_USER_NOT_LOGGED_IN));
}

}  // namespace
}  // namespace akis::test
