// SPDX-License-Identifier: LGPL-2.1-or-later
// C_Initialize / C_Finalize, interfaces, slots, token information, slot events, fork.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <cstring>
#include <future>
#include <thread>

#include "p11_fixture.hpp"

using namespace akis;
using namespace akis::test;
using namespace std::chrono_literals;

namespace {

std::atomic<int> g_app_locks{0};
CK_RV app_create(CK_VOID_PTR_PTR m) {
  *m = new std::mutex;
  return CKR_OK;
}
CK_RV app_destroy(CK_VOID_PTR m) {
  delete static_cast<std::mutex*>(m);
  return CKR_OK;
}
CK_RV app_lock(CK_VOID_PTR m) {
  static_cast<std::mutex*>(m)->lock();
  ++g_app_locks;
  return CKR_OK;
}
CK_RV app_unlock(CK_VOID_PTR m) {
  static_cast<std::mutex*>(m)->unlock();
  return CKR_OK;
}

TEST_F(P11, InitializeAcceptsNullOsLockingAndApplicationMutexes) {
  CK_SLOT_ID s;
  CK_ULONG n = 1;
  EXPECT_EQ(f->C_GetSlotList(CK_FALSE, &s, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
  init();
  EXPECT_EQ(f->C_Initialize(nullptr), CKR_CRYPTOKI_ALREADY_INITIALIZED);
  EXPECT_EQ(f->C_Finalize(reinterpret_cast<void*>(1)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_CRYPTOKI_NOT_INITIALIZED);

  CK_C_INITIALIZE_ARGS os{};
  os.flags = CKF_OS_LOCKING_OK;  // the vendor library refuses this (CKR_ARGUMENTS_BAD)
  EXPECT_EQ(f->C_Initialize(&os), CKR_OK);
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);

  CK_C_INITIALIZE_ARGS app{app_create, app_destroy, app_lock, app_unlock, 0, nullptr};
  g_app_locks = 0;
  EXPECT_EQ(f->C_Initialize(&app), CKR_OK);
  EXPECT_EQ(slots(false).size(), 2u);
  EXPECT_GT(g_app_locks.load(), 0);  // the module locks with the application's functions
  EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);

  CK_C_INITIALIZE_ARGS partial{app_create, nullptr, app_lock, app_unlock, 0, nullptr};
  EXPECT_EQ(f->C_Initialize(&partial), CKR_ARGUMENTS_BAD);
  CK_C_INITIALIZE_ARGS reserved{};
  reserved.pReserved = &reserved;
  EXPECT_EQ(f->C_Initialize(&reserved), CKR_ARGUMENTS_BAD);
}

TEST_F(P11, InfoAndInterfaces) {
  init();
  CK_INFO info;
  ASSERT_EQ(f->C_GetInfo(&info), CKR_OK);
  EXPECT_EQ(info.cryptokiVersion.major, 2);
  EXPECT_EQ(f->C_GetInfo(nullptr), CKR_ARGUMENTS_BAD);
  CK_ULONG n = 0;
  ASSERT_EQ(C_GetInterfaceList(nullptr, &n), CKR_OK);
  ASSERT_EQ(n, 2u);
  std::vector<CK_INTERFACE> list(n);
  ASSERT_EQ(C_GetInterfaceList(list.data(), &n), CKR_OK);
  EXPECT_STREQ(reinterpret_cast<char*>(list[0].pInterfaceName), "PKCS 11");
  CK_VERSION v30{3, 0};
  CK_INTERFACE* iface = nullptr;
  ASSERT_EQ(C_GetInterface(nullptr, &v30, &iface, 0), CKR_OK);
  auto* f3 = static_cast<CK_FUNCTION_LIST_3_0*>(iface->pFunctionList);
  EXPECT_EQ(f3->version.major, 3);
  CK_INFO info3;
  EXPECT_EQ(f3->C_GetInfo(&info3), CKR_OK);
  CK_VERSION v99{9, 9};
  EXPECT_EQ(C_GetInterface(nullptr, &v99, &iface, 0), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(C_GetInterface(reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("Vendor")), nullptr, &iface, 0),
            CKR_ARGUMENTS_BAD);
}

TEST_F(P11, OneSlotPerReaderWithStableIds) {
  insert(Variant::Pre2011, kReaderB);
  init();
  EXPECT_EQ(slots(false).size(), 2u);
  auto present = slots(true);  // the vendor library returns an empty list here
  ASSERT_EQ(present.size(), 1u);
  CK_SLOT_ID b = slot_of(kReaderB);
  EXPECT_EQ(present[0], b);
  CK_SLOT_INFO si;
  ASSERT_EQ(f->C_GetSlotInfo(b, &si), CKR_OK);
  EXPECT_TRUE(si.flags & CKF_TOKEN_PRESENT);
  EXPECT_TRUE(si.flags & CKF_REMOVABLE_DEVICE);
  // Pull the card and the reader, plug a new reader, put the reader back: IDs stay.
  readers().remove(kReaderB);
  EXPECT_TRUE(slots(true).empty());
  readers().remove_reader(kReaderB);
  EXPECT_EQ(slots(false).size(), 1u);
  readers().add_reader("Virtual Reader C");
  readers().add_reader(kReaderB);
  EXPECT_EQ(slot_of(kReaderB), b);
  EXPECT_NE(slot_of("Virtual Reader C"), b);
  EXPECT_EQ(f->C_GetSlotInfo(999, &si), CKR_SLOT_ID_INVALID);
  CK_TOKEN_INFO ti;
  EXPECT_EQ(f->C_GetTokenInfo(slot_of(kReaderA), &ti), CKR_TOKEN_NOT_PRESENT);
}

TEST_F(P11, TokenInfoFromTheCard) {
  auto card = insert(Variant::Seal);
  init();
  CK_TOKEN_INFO ti;
  ASSERT_EQ(f->C_GetTokenInfo(slot_of(kReaderA), &ti), CKR_OK);
  std::string label(reinterpret_cast<char*>(ti.label), sizeof ti.label);
  EXPECT_EQ(label.rfind("ÖRNEK BİLİŞİM", 0), 0u) << label;  // the company of a Mali Mühür
  EXPECT_EQ(std::string(reinterpret_cast<char*>(ti.model), 8), "AKIS 2.x");
  std::string serial = to_hex(card->state().serial);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(ti.serialNumber), 16), serial.substr(serial.size() - 16));
  EXPECT_TRUE(ti.flags & CKF_LOGIN_REQUIRED);
  EXPECT_TRUE(ti.flags & CKF_USER_PIN_INITIALIZED);
  EXPECT_TRUE(ti.flags & CKF_TOKEN_INITIALIZED);
  EXPECT_FALSE(ti.flags & CKF_WRITE_PROTECTED);
  EXPECT_EQ(ti.ulMinPinLen, 6u);
  EXPECT_EQ(ti.ulMaxPinLen, 12u);
}

TEST_F(P11, MechanismsWithTrueKeySizes) {
  insert(Variant::Pre2011);  // RSA-2048 pairs and an EC P-256 pair
  init();
  CK_SLOT_ID s = slot_of(kReaderA);
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_GetMechanismList(s, nullptr, &n), CKR_OK);
  std::vector<CK_MECHANISM_TYPE> list(n);
  ASSERT_EQ(f->C_GetMechanismList(s, list.data(), &n), CKR_OK);
  for (auto m : {CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP, CKM_ECDSA, CKM_ECDSA_SHA256,
                 CKM_SHA256})
    EXPECT_NE(std::find(list.begin(), list.end(), m), list.end()) << m;
  CK_MECHANISM_INFO mi;
  ASSERT_EQ(f->C_GetMechanismInfo(s, CKM_SHA256_RSA_PKCS, &mi), CKR_OK);
  EXPECT_EQ(mi.ulMinKeySize, 2048u);
  EXPECT_EQ(mi.ulMaxKeySize, 2048u);
  EXPECT_TRUE(mi.flags & CKF_SIGN);
  EXPECT_TRUE(mi.flags & CKF_HW);
  EXPECT_FALSE(mi.flags & CKF_DECRYPT);
  ASSERT_EQ(f->C_GetMechanismInfo(s, CKM_RSA_PKCS_OAEP, &mi), CKR_OK);
  EXPECT_TRUE(mi.flags & CKF_DECRYPT);
  ASSERT_EQ(f->C_GetMechanismInfo(s, CKM_ECDSA, &mi), CKR_OK);
  EXPECT_EQ(mi.ulMinKeySize, 256u);
  EXPECT_EQ(mi.ulMaxKeySize, 256u);
  EXPECT_TRUE(mi.flags & CKF_EC_NAMEDCURVE);
  EXPECT_EQ(f->C_GetMechanismInfo(s, CKM_ECDH1_DERIVE, &mi), CKR_MECHANISM_INVALID);  // the card does no ECDH
  EXPECT_EQ(f->C_GetMechanismInfo(s, CKM_AES_CBC, &mi), CKR_MECHANISM_INVALID);
}

TEST_F(P11, PinCounterFlagsFollowTheCard) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  CK_SLOT_ID s = slot_of(kReaderA);
  CK_TOKEN_INFO ti;
  auto flags = [&] {
    EXPECT_EQ(f->C_GetTokenInfo(s, &ti), CKR_OK);
    return ti.flags;
  };
  EXPECT_FALSE(flags() & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED));
  EXPECT_EQ(login(h, "000000"), CKR_PIN_INCORRECT);
  EXPECT_TRUE(flags() & CKF_USER_PIN_COUNT_LOW);
  EXPECT_EQ(login(h, "000000"), CKR_PIN_INCORRECT);
  EXPECT_TRUE(flags() & CKF_USER_PIN_FINAL_TRY);
  EXPECT_EQ(login(h, "000000"), CKR_PIN_INCORRECT);
  EXPECT_TRUE(flags() & CKF_USER_PIN_LOCKED);
  EXPECT_EQ(login(h, "123456"), CKR_PIN_LOCKED);
  EXPECT_EQ(login(h, "11111111", CKU_SO), CKR_PIN_INCORRECT);
  EXPECT_TRUE(flags() & CKF_SO_PIN_COUNT_LOW);
}

TEST_F(P11, UnrecognisedCardIsReportedAsSuch) {
  insert(Variant::IdCard);
  init();
  CK_TOKEN_INFO ti;
  EXPECT_EQ(f->C_GetTokenInfo(slot_of(kReaderA), &ti), CKR_TOKEN_NOT_RECOGNIZED);
  CK_SESSION_HANDLE h;
  EXPECT_EQ(f->C_OpenSession(slot_of(kReaderA), CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_TOKEN_NOT_RECOGNIZED);
}

TEST_F(P11, WaitForSlotEventReportsInsertionAndRemoval) {
  init();
  CK_SLOT_ID s = 0;
  EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, nullptr), CKR_NO_EVENT);
  insert(Variant::Post2011, kReaderB);
  ASSERT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, nullptr), CKR_OK);
  EXPECT_EQ(s, slot_of(kReaderB));
  EXPECT_EQ(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, nullptr), CKR_NO_EVENT);
  // Blocking: a removal in another thread wakes it.
  auto waiter = std::async(std::launch::async, [&] {
    CK_SLOT_ID got = 99;
    CK_RV rv = f->C_WaitForSlotEvent(0, &got, nullptr);
    return std::make_pair(rv, got);
  });
  std::this_thread::sleep_for(100ms);
  readers().remove(kReaderB);
  auto [rv, got] = waiter.get();
  EXPECT_EQ(rv, CKR_OK);
  EXPECT_EQ(got, slot_of(kReaderB));
}

TEST_F(P11, FinalizeWakesABlockedWait) {
  init();
  auto waiter = std::async(std::launch::async, [&] {
    CK_SLOT_ID got;
    return f->C_WaitForSlotEvent(0, &got, nullptr);
  });
  std::this_thread::sleep_for(100ms);
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(waiter.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(waiter.get(), CKR_CRYPTOKI_NOT_INITIALIZED);
}

TEST_F(P11, ForkedChildReinitialises) {
  insert(Variant::Post2011);
  init();
  ASSERT_EQ(slots(true).size(), 1u);
  pid_t pid = fork();
  if (pid == 0) {
    CK_ULONG n = 0;
    int code = 0;
    if (f->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) code |= 1;
    if (f->C_Initialize(nullptr) != CKR_OK) code |= 2;
    if (f->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n != 1) code |= 4;
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(slots(true).size(), 1u);  // the parent is unaffected
}

TEST_F(P11, NullPointersAreRefused) {
  insert(Variant::Post2011);
  init();
  EXPECT_EQ(f->C_GetSlotList(CK_FALSE, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetSlotInfo(0, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetTokenInfo(0, nullptr), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  CK_SESSION_HANDLE h = open();
  EXPECT_EQ(f->C_Login(h, CKU_USER, nullptr, 6), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_FindObjectsInit(h, nullptr, 2), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GetAttributeValue(h, 1, nullptr, 1), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_SignInit(h, nullptr, 1), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_GenerateRandom(h, nullptr, 8), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f->C_WaitForSlotEvent(0, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  CK_SLOT_ID small[1];
  CK_ULONG n = 1;
  EXPECT_EQ(f->C_GetSlotList(CK_FALSE, small, &n), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(f->C_GetFunctionList(nullptr), CKR_ARGUMENTS_BAD);
}

}  // namespace
