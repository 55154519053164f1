// SPDX-License-Identifier: LGPL-2.1-or-later
// Conformance with PKCS#11 3.0 (base specification, section 5): each C_ function's error paths as its
// "Return values" and the rules of section 5.1-5.2 list them. Written from the standard, function by function.
// Where the standard leaves the order of two errors open, a test gives only one error at a time; where it
// fixes one (general, then session handle, then token, then the function's own: 5.1), the test gives two.
#include "conformance.hpp"

using namespace akis;
using namespace akis::test;

namespace {

// ---- 5.4 General purpose, before C_Initialize ----

TEST_F(Conformance, EveryFunctionNeedsInitialize) {
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  CK_INFO info;
  CK_ULONG n = 0;
  CK_SLOT_ID slot = 0;
  CK_SESSION_HANDLE h = 0;
  CK_MECHANISM_INFO mi;
  CK_MECHANISM m{CKM_SHA256, nullptr, 0};
  CK_BYTE buf[8] = {};
  EXPECT_EQ(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_GetMechanismInfo(0, CKM_SHA256, &mi), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_CloseAllSessions(0), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_DigestInit(1, &m), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_GenerateRandom(1, buf, sizeof buf), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(f->C_SeedRandom(1, buf, sizeof buf), CKR_CRYPTOKI_NOT_INITIALIZED);
  for (auto& c : session_calls()) EXPECT_EQ(c.call(f, 1), CKR_CRYPTOKI_NOT_INITIALIZED) << c.name;
}

TEST_F(Conformance, InitializeAndFinalizeArguments) {
  CK_C_INITIALIZE_ARGS bad{};
  bad.pReserved = &bad;
  EXPECT_EQ(f->C_Initialize(&bad), CKR_ARGUMENTS_BAD);
  CK_C_INITIALIZE_ARGS partial{};  // some mutex functions but not all
  partial.CreateMutex = [](void**) -> CK_RV { return CKR_OK; };
  EXPECT_EQ(f->C_Initialize(&partial), CKR_ARGUMENTS_BAD);
  init();
  EXPECT_EQ(f->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
  int x = 0;
  EXPECT_EQ(f->C_Finalize(&x), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetInfo(nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);
  EXPECT_EQ(C_GetFunctionList(nullptr), CKR_ARGUMENTS_BAD);
}

// ---- 5.5 Slot and token management ----

TEST_F(Conformance, SlotAndTokenErrors) {
  insert(Variant::Pre2011);
  init();
  const CK_SLOT_ID bad = 0xdead;
  CK_SLOT_INFO si;
  CK_TOKEN_INFO ti;
  CK_MECHANISM_INFO mi;
  CK_ULONG n = 0;
  CK_SESSION_HANDLE h = 0;
  EXPECT_EQ(f->C_GetSlotList(CK_FALSE, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f->C_GetSlotList(CK_FALSE, nullptr, &n), CKR_OK);
  ASSERT_EQ(n, 2u);
  CK_SLOT_ID one[1];
  n = 1;
  EXPECT_EQ(f->C_GetSlotList(CK_FALSE, one, &n), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(f->C_GetSlotInfo(bad, &si), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f->C_GetTokenInfo(bad, &ti), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f->C_GetMechanismList(bad, nullptr, &n), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f->C_GetMechanismInfo(bad, CKM_SHA256, &mi), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f->C_OpenSession(bad, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_SLOT_ID_INVALID);
  EXPECT_EQ(f->C_CloseAllSessions(bad), CKR_SLOT_ID_INVALID);
  const CK_SLOT_ID empty = slot_of(kReaderB);
  EXPECT_EQ(f->C_GetTokenInfo(empty, &ti), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(f->C_OpenSession(empty, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_TOKEN_NOT_PRESENT);
  const CK_SLOT_ID a = slot_of(kReaderA);
  EXPECT_EQ(f->C_GetSlotInfo(a, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetTokenInfo(a, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetMechanismList(a, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetMechanismInfo(a, CKM_SHA256, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetMechanismInfo(a, CKM_ECDSA_SHA224, &mi), CKR_MECHANISM_INVALID);
  ASSERT_EQ(f->C_GetMechanismList(a, nullptr, &n), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> list(n - 1);
  CK_ULONG short_n = n - 1;
  EXPECT_EQ(f->C_GetMechanismList(a, list.data(), &short_n), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(short_n, n);
  CK_SLOT_ID ev = 0;
  EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, &ev), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_InitToken(a, nullptr, 0, nullptr), CKR_FUNCTION_NOT_SUPPORTED);
}

// CKF_HW only where the private-key operation runs on the card; the digests run on the host.
TEST_F(Conformance, MechanismFlagsAreTrueToTheCard) {
  insert(Variant::Pre2011);
  init();
  const CK_SLOT_ID a = slot_of(kReaderA);
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_GetMechanismList(a, nullptr, &n), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> list(n);
  ASSERT_EQ(f->C_GetMechanismList(a, list.data(), &n), CKR_OK);
  EXPECT_EQ(std::find(list.begin(), list.end(), CKM_ECDSA_SHA224), list.end());
  for (auto m : list) {
    CK_MECHANISM_INFO mi;
    ASSERT_EQ(f->C_GetMechanismInfo(a, m, &mi), CKR_OK);
    const bool private_op = mi.flags & (CKF_SIGN | CKF_DECRYPT);
    EXPECT_EQ(bool(mi.flags & CKF_HW), private_op) << std::hex << m;
    if (mi.flags & CKF_DIGEST) {
      EXPECT_EQ(mi.flags, CKF_DIGEST) << std::hex << m;
    }
  }
}

// ---- 5.6 Session management ----

TEST_F(Conformance, SessionHandleErrorsComeFirst) {
  insert(Variant::Pre2011);
  init();
  const CK_SESSION_HANDLE bad = 0xbad;
  for (auto& c : session_calls()) {
    CK_RV rv = c.call(f, bad);
    if (c.unsupported) {
      EXPECT_TRUE(rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED) << c.name;
    } else {
      EXPECT_EQ(rv, CKR_SESSION_HANDLE_INVALID) << c.name;
    }
  }
  // A session-handle error and an argument error together: the session handle's is reported (5.1).
  EXPECT_EQ(f->C_GetSessionInfo(bad, nullptr), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_Login(bad, CKU_USER, nullptr, 6), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_GenerateRandom(bad, nullptr, 4), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_SeedRandom(bad, nullptr, 4), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_CreateObject(bad, nullptr, 1, nullptr), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_FindObjectsInit(bad, nullptr, 1), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_SignInit(bad, nullptr, 0), CKR_SESSION_HANDLE_INVALID);
}

TEST_F(Conformance, SessionErrors) {
  insert(Variant::Pre2011);
  init();
  const CK_SLOT_ID a = slot_of(kReaderA);
  CK_SESSION_HANDLE h = 0;
  EXPECT_EQ(f->C_OpenSession(a, 0, nullptr, nullptr, &h), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  EXPECT_EQ(f->C_OpenSession(a, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  CK_SESSION_HANDLE ro = open(false), rw = open(true);
  CK_SESSION_INFO si;
  EXPECT_EQ(f->C_GetSessionInfo(ro, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(login(ro, "123456", 7), CKR_USER_TYPE_INVALID);
  EXPECT_EQ(login(ro, "000000"), CKR_PIN_INCORRECT);
  ASSERT_EQ(login(ro, "123456"), CKR_OK);
  EXPECT_EQ(login(rw, "123456"), CKR_USER_ALREADY_LOGGED_IN);
  EXPECT_EQ(login(rw, "12345678", CKU_SO), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  ASSERT_EQ(f->C_GetSessionInfo(ro, &si), CKR_OK);
  EXPECT_EQ(si.state, CKS_RO_USER_FUNCTIONS);
  ASSERT_EQ(f->C_Logout(rw), CKR_OK);
  EXPECT_EQ(f->C_CloseSession(ro), CKR_OK);
  EXPECT_EQ(f->C_CloseSession(ro), CKR_SESSION_HANDLE_INVALID);
  CK_BYTE state[16];
  CK_ULONG n = sizeof state;
  EXPECT_EQ(f->C_GetOperationState(rw, state, &n), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(f->C_GetFunctionStatus(rw), CKR_FUNCTION_NOT_PARALLEL);
  EXPECT_EQ(f->C_CancelFunction(rw), CKR_FUNCTION_NOT_PARALLEL);
}

// C_SessionCancel ends the operation its flags name, and only that one. A session has one operation at a
// time (no CKF_DUAL_CRYPTO_OPERATIONS): another Init meanwhile is CKR_OPERATION_ACTIVE.
TEST_F(Conformance, SessionCancelHonoursItsFlags) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_TOKEN_INFO ti;
  ASSERT_EQ(f->C_GetTokenInfo(slot_of(kReaderA), &ti), CKR_OK);
  ASSERT_FALSE(ti.flags & CKF_DUAL_CRYPTO_OPERATIONS);
  auto* f3 = functions_3_0();
  ASSERT_NE(f3, nullptr);
  CK_MECHANISM sha{CKM_SHA256, nullptr, 0}, sig{CKM_SHA256_RSA_PKCS, nullptr, 0};
  const CK_OBJECT_HANDLE key = private_key(h, CKK_RSA);
  ASSERT_EQ(f->C_DigestInit(h, &sha), CKR_OK);
  EXPECT_EQ(f->C_SignInit(h, &sig, key), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(f->C_FindObjectsInit(h, nullptr, 0), CKR_OPERATION_ACTIVE);
  EXPECT_EQ(f3->C_SessionCancel(0xbad, CKF_DIGEST), CKR_SESSION_HANDLE_INVALID);
  ASSERT_EQ(f3->C_SessionCancel(h, CKF_SIGN | CKF_FIND_OBJECTS | CKF_ENCRYPT), CKR_OK);  // not named: kept
  EXPECT_EQ(f->C_DigestInit(h, &sha), CKR_OPERATION_ACTIVE);
  ASSERT_EQ(f3->C_SessionCancel(h, 0), CKR_OK);  // no flags: nothing ends
  EXPECT_EQ(f->C_DigestInit(h, &sha), CKR_OPERATION_ACTIVE);
  ASSERT_EQ(f3->C_SessionCancel(h, CKF_DIGEST), CKR_OK);  // named: ended
  ASSERT_EQ(f->C_SignInit(h, &sig, key), CKR_OK);
  ASSERT_EQ(f3->C_SessionCancel(h, CKF_DIGEST | CKF_VERIFY), CKR_OK);
  EXPECT_EQ(f->C_SignInit(h, &sig, key), CKR_OPERATION_ACTIVE);
  ASSERT_EQ(f3->C_SessionCancel(h, CKF_SIGN), CKR_OK);
  ASSERT_EQ(f->C_FindObjectsInit(h, nullptr, 0), CKR_OK);
  ASSERT_EQ(f3->C_SessionCancel(h, CKF_FIND_OBJECTS), CKR_OK);
  EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(f->C_DigestInit(h, &sha), CKR_OK);
}

// ---- 5.15 Random number generation ----

TEST_F(Conformance, RandomFunctions) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open(false);
  CK_BYTE seed[8] = {1, 2, 3};
  EXPECT_EQ(f->C_SeedRandom(0xbad, seed, sizeof seed), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(f->C_SeedRandom(h, nullptr, 8), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_SeedRandom(h, seed, sizeof seed), CKR_RANDOM_SEED_NOT_SUPPORTED);
  EXPECT_EQ(f->C_GenerateRandom(h, nullptr, 8), CKR_ARGUMENTS_BAD);
  CK_BYTE r1[16] = {}, r2[16] = {};
  ASSERT_EQ(f->C_GenerateRandom(h, r1, sizeof r1), CKR_OK);
  ASSERT_EQ(f->C_GenerateRandom(h, r2, sizeof r2), CKR_OK);
  EXPECT_NE(Bytes(r1, r1 + 16), Bytes(r2, r2 + 16));
  EXPECT_EQ(f->C_GenerateRandom(h, nullptr, 0), CKR_OK);
}

}  // namespace
