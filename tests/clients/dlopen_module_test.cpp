// SPDX-License-Identifier: LGPL-2.1-or-later
// The built module, loaded with dlopen as applications load it, against the virtual card in the real
// pcscd: whole flows, hotplug during a blocking C_WaitForSlotEvent, a reset by another program, removal.
#include <dlfcn.h>
#include <signal.h>

#include <future>
#include <thread>

#include "akis/card.hpp"
#include "akis/pcsc.hpp"
#include "ossl.hpp"
#include "p11.hpp"
#include "host_env.hpp"
#include "loaded_module.hpp"
#include "pcsc_fixture.hpp"

using namespace akis;
using namespace akis::test;
using namespace std::chrono_literals;

namespace {

TEST_F(LoadedModule, ExportsOnlyTheCryptokiFunctions) {
  std::string out;
  ASSERT_EQ(run_command(std::string("nm -D --defined-only '") + AKIS_MODULE_PATH + "' | awk '{print $3}'", out), 0);
  std::size_t count = 0, others = 0;
  for (std::size_t pos = 0; pos < out.size();) {
    auto end = out.find('\n', pos);
    std::string sym = out.substr(pos, end - pos);
    pos = end == std::string::npos ? out.size() : end + 1;
    if (sym.empty()) continue;
    (sym.rfind("C_", 0) == 0 ? count : others)++;
    EXPECT_EQ(sym.rfind("C_", 0), 0u) << sym;
  }
  EXPECT_EQ(count, 92u);  // 68 of PKCS#11 2.40 and 24 of 3.0
  EXPECT_EQ(others, 0u);
  EXPECT_NE(dlsym(handle_, "C_GetInterface"), nullptr);
}

TEST_F(LoadedModule, WholeFlowSignatureVerifiesWithOpenSsl) {
  insert(Variant::Pre2011);
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_TOKEN_INFO ti;
  ASSERT_EQ(f_->C_GetTokenInfo(first_slot_with_token(), &ti), CKR_OK);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(ti.label), 20), "AYŞE GÜL YILDIRIM ");
  CK_SESSION_HANDLE h = login_session();
  CK_OBJECT_HANDLE key = first(h, CKO_PRIVATE_KEY), cert = first(h, CKO_CERTIFICATE);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  Bytes data = to_bytes("dlopen ile yüklenen modül"), sig;
  ASSERT_EQ(sign(h, key, data, sig), CKR_OK);
  EXPECT_TRUE(verify_with_cert(attr(h, cert, CKA_VALUE), data, sig, "SHA256", "pkcs1"));
  EXPECT_EQ(f_->C_Logout(h), CKR_OK);
  EXPECT_EQ(f_->C_CloseSession(h), CKR_OK);
}

TEST_F(LoadedModule, WaitForSlotEventSeesInsertionAndRemoval) {
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_SLOT_ID slot = 99;
  EXPECT_EQ(f_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr), CKR_NO_EVENT);
  auto wait = [&] {
    return std::async(std::launch::async, [&] {
      CK_SLOT_ID s = 99;
      CK_RV rv = f_->C_WaitForSlotEvent(0, &s, nullptr);
      return std::make_pair(rv, s);
    });
  };
  auto inserted = wait();
  std::this_thread::sleep_for(300ms);
  insert(Variant::Post2011);
  ASSERT_EQ(inserted.wait_for(10s), std::future_status::ready);
  auto [rv1, s1] = inserted.get();
  EXPECT_EQ(rv1, CKR_OK);
  CK_SLOT_INFO si;
  ASSERT_EQ(f_->C_GetSlotInfo(s1, &si), CKR_OK);
  EXPECT_TRUE(si.flags & CKF_TOKEN_PRESENT);
  auto removed = wait();
  std::this_thread::sleep_for(300ms);
  cards_.back()->remove();
  ASSERT_EQ(removed.wait_for(10s), std::future_status::ready);
  auto [rv2, s2] = removed.get();
  EXPECT_EQ(rv2, CKR_OK);
  EXPECT_EQ(s2, s1);
  ASSERT_EQ(f_->C_GetSlotInfo(s2, &si), CKR_OK);
  EXPECT_FALSE(si.flags & CKF_TOKEN_PRESENT);
  // C_Finalize wakes a blocked wait.
  auto blocked = wait();
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(blocked.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(blocked.get().first, CKR_CRYPTOKI_NOT_INITIALIZED);
  cards_.back()->insert();
}

TEST_F(LoadedModule, ResetByAnotherProgramMeansLogInAgain) {
  insert(Variant::Pre2011);
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE h = login_session();
  CK_OBJECT_HANDLE key = first(h, CKO_PRIVATE_KEY);
  Bytes data = to_bytes("x"), sig;
  ASSERT_EQ(sign(h, key, data, sig), CKR_OK);
  {
    // Another program resets the card (SCardReconnect with SCARD_RESET_CARD).
    auto ctx = std::make_shared<pcsc::Context>();
    pcsc::PcscTransport other(ctx, Pcscd::kReader0);
    other.reconnect(true);
  }
  EXPECT_EQ(sign(h, key, data, sig), CKR_USER_NOT_LOGGED_IN);  // not a silent failure
  CK_SESSION_INFO info;
  ASSERT_EQ(f_->C_GetSessionInfo(h, &info), CKR_OK);  // same card: the session survives
  EXPECT_EQ(info.state, CKS_RO_PUBLIC_SESSION);
  ASSERT_EQ(f_->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("123456")), 6), CKR_OK);
  key = first(h, CKO_PRIVATE_KEY);
  EXPECT_EQ(sign(h, key, data, sig), CKR_OK);
}

TEST_F(LoadedModule, AnotherProcessLoggingOutDoesNotLogUsOut) {
  insert(Variant::Pre2011);
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE h = login_session();
  CK_OBJECT_HANDLE key = first(h, CKO_PRIVATE_KEY);
  // A second program logs in, signs, logs out and ends, while we stay logged in.
  std::string out, dir = temp_dir();
  ASSERT_EQ(run_command("cd '" + dir + "' && echo x > other.txt && " + std::string(AKIS_HOST_ENV) +
                            "pkcs11-tool --module '" + AKIS_MODULE_PATH +
                            "' --login --pin 123456 --sign -m SHA256-RSA-PKCS -i other.txt -o other.sig",
                        out),
            0)
      << out;
  Bytes sig;
  EXPECT_EQ(sign(h, key, to_bytes("still logged in"), sig), CKR_OK);  // the card kept our login
  auto card_verified = [] {
    auto ctx = std::make_shared<pcsc::Context>();
    Card card(std::make_unique<pcsc::PcscTransport>(ctx, Pcscd::kReader0));
    return card.pin_status(*card.profile().user_pin()).verified;
  };
  EXPECT_TRUE(card_verified());
  // The last program logs out: now the card is logged out too (no PIN-less signing for anyone).
  ASSERT_EQ(f_->C_Logout(h), CKR_OK);
  EXPECT_FALSE(card_verified());
}

TEST_F(LoadedModule, CardPulledOutClosesTheSessions) {
  insert(Variant::Pre2011);
  ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK);
  CK_SESSION_HANDLE h = login_session();
  CK_OBJECT_HANDLE key = first(h, CKO_PRIVATE_KEY);
  cards_.back()->remove();
  wait_for_card(Pcscd::kReader0, false);
  Bytes sig;
  CK_RV rv = sign(h, key, to_bytes("x"), sig);
  EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID) << rv;
  CK_SESSION_INFO info;
  EXPECT_EQ(f_->C_GetSessionInfo(h, &info), CKR_SESSION_HANDLE_INVALID);
  cards_.back()->insert();
  wait_for_card(Pcscd::kReader0, true);
  CK_SESSION_HANDLE h2 = login_session();
  EXPECT_EQ(sign(h2, first(h2, CKO_PRIVATE_KEY), to_bytes("x"), sig), CKR_OK);
}

}  // namespace
