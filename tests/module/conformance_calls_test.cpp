// SPDX-License-Identifier: LGPL-2.1-or-later
// Every exported C_ function's error paths (PKCS#11 3.0 section 5): before C_Initialize, with an invalid session
// handle, with NULL pointers, in the wrong operation state, with the token gone, and in the wrong user or session
// state; and the return-value tables themselves (pkcs11/return_codes.cpp). Orders are asserted only where 5.1
// fixes them: 5.1.1 (universal) above 5.1.2 (session handle: CKR_SESSION_HANDLE_INVALID, CKR_DEVICE_REMOVED,
// CKR_SESSION_CLOSED) above 5.1.3 (token) above 5.1.6 (the rest, CKR_ARGUMENTS_BAD and
// CKR_CRYPTOKI_NOT_INITIALIZED among them); where two 5.1.6 codes apply, either is accepted.
#include <cstddef>
#include <set>

#include "conformance_calls.hpp"
#include "return_codes.hpp"

using namespace akis;
using namespace akis::test;

namespace {

class Calls : public Conformance {
 protected:
  std::vector<std::pair<std::string, CK_RV>> seen;
  CK_RV note(const std::string& fn, CK_RV rv) {
    seen.emplace_back(fn, rv);
    return rv;
  }
  void check_all_listed() {
    for (auto& [fn, rv] : seen) EXPECT_TRUE(p11::listed_for(fn.c_str(), rv)) << fn << " returned 0x" << std::hex << rv;
  }
  static bool one_of(CK_RV rv, std::set<CK_RV> allowed) { return allowed.count(rv) > 0; }
  CK_FUNCTION_LIST_3_0* f3() {
    auto* p = functions_3_0();
    EXPECT_NE(p, nullptr);
    return p;
  }
};

// ---- The tables ----

TEST_F(Calls, EveryExportedFunctionHasTheStandardsTable) {
  const auto& names = all_function_names();
  ASSERT_EQ(names.size(), (sizeof(CK_FUNCTION_LIST_3_0) - offsetof(CK_FUNCTION_LIST_3_0, C_Initialize)) / sizeof(void*));
  const std::set<std::string> slot_functions = {"C_GetSlotList",      "C_GetSlotInfo",   "C_GetTokenInfo",
                                                "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken",
                                                "C_OpenSession",      "C_CloseAllSessions"};
  const std::set<std::string> before_init = {"C_Initialize", "C_GetFunctionList", "C_GetInterfaceList",
                                             "C_GetInterface"};
  for (auto& n : names) {
    const char* fn = n.c_str();
    ASSERT_TRUE(p11::tabled(fn)) << fn;
    for (CK_RV universal : {CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_FUNCTION_FAILED})  // 5.1.1
      EXPECT_TRUE(p11::listed_for(fn, universal)) << fn;
    EXPECT_EQ(p11::listed_for(fn, CKR_CRYPTOKI_NOT_INITIALIZED), !before_init.count(n)) << fn;
    if (!slot_functions.count(n)) {
      EXPECT_FALSE(p11::listed_for(fn, CKR_TOKEN_NOT_PRESENT))
          << fn << ": functions on a session never answer CKR_TOKEN_NOT_PRESENT (5.1.8)";
    }
  }
  for (auto& c : null_calls()) {
    if (c.unsupported) {
      EXPECT_TRUE(p11::listed_for(c.name, CKR_FUNCTION_NOT_SUPPORTED)) << c.name;  // 5.1.6: a stub
    } else {
      EXPECT_TRUE(p11::listed_for(c.name, CKR_SESSION_HANDLE_INVALID)) << c.name;
      EXPECT_TRUE(p11::listed_for(c.name, CKR_SESSION_CLOSED)) << c.name;
    }
  }
  // Spot checks of codes the standard's lists leave out, and some they have.
  EXPECT_FALSE(p11::listed_for("C_SetPIN", CKR_USER_NOT_LOGGED_IN));
  EXPECT_FALSE(p11::listed_for("C_InitPIN", CKR_PIN_INCORRECT));
  EXPECT_FALSE(p11::listed_for("C_VerifyUpdate", CKR_SIGNATURE_INVALID));
  EXPECT_FALSE(p11::listed_for("C_SignUpdate", CKR_BUFFER_TOO_SMALL));
  EXPECT_FALSE(p11::listed_for("C_Encrypt", CKR_USER_NOT_LOGGED_IN));
  EXPECT_FALSE(p11::listed_for("C_Decrypt", CKR_DATA_LEN_RANGE));
  EXPECT_FALSE(p11::listed_for("C_Finalize", CKR_DEVICE_ERROR));
  EXPECT_FALSE(p11::listed_for("C_WaitForSlotEvent", CKR_SESSION_HANDLE_INVALID));
  EXPECT_FALSE(p11::listed_for("C_GenerateKey", CKR_OBJECT_HANDLE_INVALID));
  EXPECT_FALSE(p11::listed_for("C_CancelFunction", CKR_OK));  // 5.1.1
  EXPECT_FALSE(p11::listed_for("C_GetFunctionStatus", CKR_OK));
  EXPECT_TRUE(p11::listed_for("C_Sign", CKR_TOKEN_RESOURCE_EXCEEDED));  // 3.0
  EXPECT_TRUE(p11::listed_for("C_DigestInit", CKR_OPERATION_CANCEL_FAILED));
  EXPECT_TRUE(p11::listed_for("C_Initialize", CKR_CANT_LOCK));
  EXPECT_TRUE(p11::listed_for("C_Decrypt", CKR_ENCRYPTED_DATA_LEN_RANGE));
  EXPECT_TRUE(p11::listed_for("C_VerifyFinal", CKR_SIGNATURE_LEN_RANGE));
  EXPECT_TRUE(p11::listed_for("C_SessionCancel", CKR_OPERATION_CANCEL_FAILED));
  EXPECT_TRUE(p11::listed_for("C_WaitForSlotEvent", CKR_NO_EVENT));
}

// A code outside a function's list becomes its nearest listed code (one mapping), else CKR_FUNCTION_FAILED.
TEST_F(Calls, UnlistedCodesBecomeTheNearestListedOne) {
  EXPECT_EQ(p11::nearest_listed("C_Sign", CKR_TOKEN_NOT_PRESENT), CKR_DEVICE_REMOVED);
  EXPECT_EQ(p11::nearest_listed("C_SignInit", CKR_SLOT_ID_INVALID), CKR_DEVICE_REMOVED);
  EXPECT_EQ(p11::nearest_listed("C_Decrypt", CKR_DATA_LEN_RANGE), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(p11::nearest_listed("C_DecryptFinal", CKR_DATA_INVALID), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(p11::nearest_listed("C_Login", CKR_PIN_LEN_RANGE), CKR_PIN_INCORRECT);
  EXPECT_EQ(p11::nearest_listed("C_DigestInit", CKR_TOKEN_NOT_RECOGNIZED), CKR_DEVICE_ERROR);
  EXPECT_EQ(p11::nearest_listed("C_GetObjectSize", CKR_KEY_HANDLE_INVALID), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(p11::nearest_listed("C_Finalize", CKR_CANT_LOCK), CKR_GENERAL_ERROR);
  EXPECT_EQ(p11::nearest_listed("C_Finalize", CKR_DEVICE_ERROR), CKR_FUNCTION_FAILED);
  EXPECT_EQ(p11::nearest_listed("C_Verify", CKR_USER_NOT_LOGGED_IN), CKR_FUNCTION_FAILED);
  // Listed codes, and those of 5.1.1, stay.
  EXPECT_EQ(p11::nearest_listed("C_Sign", CKR_DEVICE_REMOVED), CKR_DEVICE_REMOVED);
  EXPECT_EQ(p11::nearest_listed("C_GetSlotList", CKR_HOST_MEMORY), CKR_HOST_MEMORY);
  EXPECT_EQ(p11::nearest_listed("C_MessageSignInit", CKR_GENERAL_ERROR), CKR_GENERAL_ERROR);
}

// ---- Before C_Initialize ----

TEST_F(Calls, BeforeInitialize) {
  auto* f3p = f3();
  ASSERT_NE(f3p, nullptr);
  CK_UTF8CHAR pin[] = "123456";
  // The only error that applies: CKR_CRYPTOKI_NOT_INITIALIZED.
  EXPECT_EQ(note("C_LoginUser", f3p->C_LoginUser(1, CKU_USER, pin, 6, nullptr, 0)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_SessionCancel", f3p->C_SessionCancel(1, CKF_SIGN)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_MessageSignFinal", f3p->C_MessageSignFinal(1)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_MessageVerifyFinal", f3p->C_MessageVerifyFinal(1)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_MessageEncryptFinal", f3p->C_MessageEncryptFinal(1)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_MessageDecryptFinal", f3p->C_MessageDecryptFinal(1)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_InitToken", f->C_InitToken(0, pin, 6, pin)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_CloseSession", f->C_CloseSession(1)), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(note("C_Finalize", f->C_Finalize(nullptr)), CKR_CRYPTOKI_NOT_INITIALIZED);
  // NULL pointers too: CKR_ARGUMENTS_BAD and CKR_CRYPTOKI_NOT_INITIALIZED are both 5.1.6 codes (order open);
  // the session handle cannot be judged before there are sessions. Nothing crashes, nothing succeeds.
  for (auto& c : null_calls()) {
    CK_RV rv = note(c.name, c.call(f3p, 1));
    EXPECT_TRUE(one_of(rv, {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_ARGUMENTS_BAD})) << c.name << std::hex << " 0x" << rv;
  }
  CK_SLOT_ID slot = 0;
  EXPECT_TRUE(one_of(note("C_WaitForSlotEvent", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr)),
                     {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_ARGUMENTS_BAD}));
  EXPECT_EQ(note("C_WaitForSlotEvent", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr)),
            CKR_CRYPTOKI_NOT_INITIALIZED);
  // These work before C_Initialize (5.4): their own errors only.
  CK_ULONG n = 0;
  EXPECT_EQ(note("C_GetInterfaceList", f3p->C_GetInterfaceList(nullptr, nullptr)), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(note("C_GetInterfaceList", f3p->C_GetInterfaceList(nullptr, &n)), CKR_OK);
  EXPECT_EQ(n, 2u);
  CK_INTERFACE one[1];
  n = 1;
  EXPECT_EQ(note("C_GetInterfaceList", f3p->C_GetInterfaceList(one, &n)), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 2u);
  CK_INTERFACE* i = nullptr;
  CK_VERSION v99{9, 9};
  CK_UTF8CHAR other[] = "Vendor X";
  EXPECT_EQ(note("C_GetInterface", f3p->C_GetInterface(nullptr, nullptr, nullptr, 0)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_GetInterface", f3p->C_GetInterface(other, nullptr, &i, 0)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_GetInterface", f3p->C_GetInterface(nullptr, &v99, &i, 0)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_GetFunctionList", C_GetFunctionList(nullptr)), CKR_ARGUMENTS_BAD);
  check_all_listed();
}

// ---- An invalid session handle ranks above the arguments (5.1.2 above 5.1.6) ----

TEST_F(Calls, InvalidSessionHandleRanksAboveNullPointers) {
  insert(Variant::Pre2011);
  init();
  auto* f3p = f3();
  ASSERT_NE(f3p, nullptr);
  for (auto& c : null_calls()) {
    CK_RV rv = note(c.name, c.call(f3p, 0xbad));
    if (c.unsupported) {
      EXPECT_TRUE(one_of(rv, {CKR_SESSION_HANDLE_INVALID, CKR_FUNCTION_NOT_SUPPORTED})) << c.name;
    } else {
      EXPECT_EQ(rv, CKR_SESSION_HANDLE_INVALID) << c.name;
    }
  }
  for (auto& c : session_calls()) note(c.name, c.call(f, 0xbad));
  check_all_listed();
}

// ---- Token errors rank above the arguments (5.1.3 above 5.1.6) ----

TEST_F(Calls, TokenNotPresentRanksAboveNullPointers) {
  insert(Variant::Pre2011);
  init();
  const CK_SLOT_ID empty = slot_of(kReaderB);
  CK_TOKEN_INFO ti;
  CK_ULONG n = 0;
  EXPECT_EQ(note("C_GetTokenInfo", f->C_GetTokenInfo(empty, nullptr)), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(note("C_GetMechanismList", f->C_GetMechanismList(empty, nullptr, nullptr)), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(note("C_GetMechanismInfo", f->C_GetMechanismInfo(empty, CKM_SHA256, nullptr)), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(note("C_OpenSession", f->C_OpenSession(empty, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr)),
            CKR_TOKEN_NOT_PRESENT);
  // With the token there, the same calls answer their own error.
  const CK_SLOT_ID a = slot_of(kReaderA);
  EXPECT_EQ(note("C_GetTokenInfo", f->C_GetTokenInfo(a, nullptr)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_GetMechanismList", f->C_GetMechanismList(a, nullptr, nullptr)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_GetMechanismInfo", f->C_GetMechanismInfo(a, CKM_SHA256, nullptr)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_OpenSession", f->C_OpenSession(a, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr)),
            CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f->C_GetTokenInfo(a, &ti), CKR_OK);
  EXPECT_EQ(note("C_GetMechanismList", f->C_GetMechanismList(empty, nullptr, &n)), CKR_TOKEN_NOT_PRESENT);
  check_all_listed();
}

// ---- The token gone: every session function answers a 5.1.2 code, whatever else is wrong ----

TEST_F(Calls, RemovedTokenRanksAboveArgumentsAndState) {
  insert(Variant::Pre2011);
  init();
  auto* f3p = f3();
  ASSERT_NE(f3p, nullptr);
  CK_SESSION_HANDLE h = open();
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0};
  ASSERT_EQ(f->C_DigestInit(h, &sha), CKR_OK);
  readers().remove(kReaderA);
  CK_TOKEN_INFO ti;
  ASSERT_EQ(f->C_GetTokenInfo(slot_of(kReaderA), &ti), CKR_TOKEN_NOT_PRESENT);  // the module has seen it go
  const std::set<CK_RV> session_gone = {CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_DEVICE_REMOVED};
  auto check = [&](const char* name, bool unsupported, CK_RV rv) {
    note(name, rv);
    if (unsupported && rv == CKR_FUNCTION_NOT_SUPPORTED) return;
    EXPECT_TRUE(session_gone.count(rv)) << name << " answered 0x" << std::hex << rv;
  };
  for (auto& c : null_calls()) check(c.name, c.unsupported, c.call(f3p, h));
  for (auto& c : session_calls())
    if (std::string(c.name) != "C_CloseSession") check(c.name, c.unsupported, c.call(f, h));
  check("C_CloseSession", false, f->C_CloseSession(h));
  check_all_listed();
}

}  // namespace
