// SPDX-License-Identifier: LGPL-2.1-or-later
// The fault matrix through the real pcscd: the built module (dlopen) while the card is reset by another
// program, pulled out or killed at each step, and while pcscd is stopped and started again. Every call
// runs under a deadline (a hang fails the test), each scenario ends with the application signing again
// without a restart (verified by OpenSSL), and the PIN counters on the card show no try spent by surprise.
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include "akis/card.hpp"
#include "akis/pcsc.hpp"
#include "deadline.hpp"
#include "host_env.hpp"
#include "loaded_module.hpp"
#include "ossl.hpp"

using namespace akis;
using namespace akis::test;
using namespace std::chrono_literals;

namespace {

constexpr auto kLimit = 5s;  // beyond the card's own time, no call may take longer

class Faults : public LoadedModule {
 protected:
  void SetUp() override { ASSERT_EQ(f_->C_Initialize(nullptr), CKR_OK); }

  void start(const std::vector<std::string>& extra = {}) { state_ = insert(Variant::Pre2011, 35963, extra); }
  int tries(std::size_t pin = 0) const { return vcard::load(state_).pins.at(pin).tries_left; }

  CK_RV call(const char* what, const std::function<CK_RV()>& fn) { return within(kLimit, what, fn); }
  CK_RV token_info() {
    CK_TOKEN_INFO ti;
    return call("C_GetTokenInfo", [&] { return f_->C_GetTokenInfo(slot(), &ti); });
  }
  CK_SLOT_ID slot() {
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;
    EXPECT_EQ(call("C_GetSlotList", [&] { return f_->C_GetSlotList(CK_FALSE, slots, &n); }), CKR_OK);
    return n ? slots[0] : ~0ul;
  }
  CK_RV open(CK_SESSION_HANDLE& h) {
    return call("C_OpenSession", [&] { return f_->C_OpenSession(slot(), CKF_SERIAL_SESSION, nullptr, nullptr, &h); });
  }
  CK_RV log_in(CK_SESSION_HANDLE h, const char* pin = "123456") {
    return call("C_Login", [&] {
      return f_->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(pin)), std::strlen(pin));
    });
  }
  CK_RV sign_once(CK_SESSION_HANDLE h, Bytes& sig) {
    return call("C_SignInit + C_Sign", [&] { return sign(h, first(h, CKO_PRIVATE_KEY), data_, sig); });
  }
  // The application carries on as applications do: sessions that went away are opened again, a lost
  // login is given again. Signs within 10 s (the reader monitor may be slow to hear pcscd on a loaded
  // machine; every call still has its own deadline), or the module is stuck: the codes it gave are printed.
  bool signs_again(CK_SESSION_HANDLE& h) {
    std::string codes;
    for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
      Bytes sig;
      CK_RV rv = sign_once(h, sig);
      codes += " " + std::to_string(rv);
      if (rv == CKR_OK) return verify_with_cert(attr(h, first(h, CKO_CERTIFICATE), CKA_VALUE), data_, sig, "SHA256",
                                                "pkcs1");
      if (rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT) {
        std::this_thread::sleep_for(300ms);
        codes += " (C_OpenSession " + std::to_string(open(h)) + ")";
      }
      log_in(h);
      std::this_thread::sleep_for(100ms);
    }
    std::string seen;  // what pcscd says now, to a fresh context: is the card gone, or only unseen by the module?
    try {
      for (auto& st : pcsc::Context().states())
        seen += " [" + st.name + (st.present ? " card" : " empty") + " events " + std::to_string(st.event_count) + "]";
    } catch (const CardError& e) {
      seen = e.what();
    }
    ADD_FAILURE() << "no signature within 10 s; C_Sign (and C_OpenSession) said:" << codes << "; pcscd now:" << seen;
    return false;
  }
  bool card_pin_verified() {
    auto ctx = std::make_shared<pcsc::Context>();
    Card card(std::make_unique<pcsc::PcscTransport>(ctx, Pcscd::kReader0));
    return card.pin_status(*card.profile().user_pin()).verified;
  }
  void reset_by_another_program() {
    std::string out;
    ASSERT_EQ(run_command("opensc-tool -r 0 --reset warm", out), 0) << out;
  }

  static Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::string state_;
  const Bytes data_ = to_bytes("hata matrisi: imzalanacak belge");
};

TEST_F(Faults, TokenInfoAfterAResetByAnotherProgramDoesNotHang) {
  start();
  ASSERT_EQ(token_info(), CKR_OK);
  reset_by_another_program();
  std::this_thread::sleep_for(2100ms);  // past the PIN counter cache: the reset shows while reading them
  EXPECT_EQ(token_info(), CKR_OK);
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  EXPECT_EQ(log_in(h), CKR_OK);
  EXPECT_EQ(token_info(), CKR_OK);
  EXPECT_TRUE(signs_again(h));
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, ResetAtEachStepMeansOneLoginAgain) {
  start();
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  reset_by_another_program();  // before the login: C_Login simply logs in
  EXPECT_EQ(log_in(h), CKR_OK);
  reset_by_another_program();  // between login and signature
  Bytes sig;
  EXPECT_EQ(sign_once(h, sig), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(log_in(h), CKR_OK);
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  ASSERT_EQ(f_->C_SignInit(h, &m, first(h, CKO_PRIVATE_KEY)), CKR_OK);
  reset_by_another_program();  // between C_SignInit and C_Sign
  sig.assign(512, 0);
  CK_ULONG n = sig.size();
  EXPECT_EQ(call("C_Sign", [&] { return f_->C_Sign(h, const_cast<CK_BYTE*>(data_.data()), data_.size(), sig.data(), &n); }),
            CKR_USER_NOT_LOGGED_IN);
  EXPECT_TRUE(signs_again(h));
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, ResetDropsTheLoginForEveryProcessSoTheLastOneLogsTheCardOut) {
  start();
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  ASSERT_EQ(log_in(h), CKR_OK);  // process A (this one) is logged in...
  reset_by_another_program();    // ...until another program resets the card; A has not noticed yet
  std::string out, dir = temp_dir();
  ASSERT_EQ(run_command("cd '" + dir + "' && echo x > b.txt && " + std::string(AKIS_HOST_ENV) + "pkcs11-tool --module '" +
                            AKIS_MODULE_PATH + "' --login --pin 123456 --sign -m SHA256-RSA-PKCS -i b.txt -o b.sig",
                        out),
            0)
      << out;  // process B logs in, signs and ends
  // Nobody is logged in any more: the card must not be left verified for a program that never saw the PIN.
  EXPECT_FALSE(card_pin_verified());
  EXPECT_TRUE(signs_again(h));  // A logs in again and signs
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, PcscdRestartedWhileTheApplicationIsIdle) {
  start();
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  ASSERT_EQ(log_in(h), CKR_OK);
  Bytes sig;
  ASSERT_EQ(sign_once(h, sig), CKR_OK);
  pcscd_->restart();  // a package upgrade; no call meanwhile
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_TRUE(signs_again(h));
  Bytes again;
  EXPECT_EQ(sign_once(h, again), CKR_OK);  // and keeps signing: not stuck on a dead PC/SC handle
  CK_SESSION_HANDLE other = 0;
  EXPECT_EQ(open(other), CKR_OK);
  EXPECT_EQ(log_in(other), CKR_USER_ALREADY_LOGGED_IN);  // the login is the application's, as it should be
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, PcscdStoppedWhileTheApplicationKeepsCalling) {
  start();
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  ASSERT_EQ(log_in(h), CKR_OK);
  pcscd_->stop();
  // No service: no token, as soon as the module's reader monitor has heard that pcscd is gone.
  CK_ULONG n = 1;
  for (auto until = std::chrono::steady_clock::now() + 2s; n != 0 && std::chrono::steady_clock::now() < until;) {
    EXPECT_EQ(call("C_GetSlotList", [&] { return f_->C_GetSlotList(CK_TRUE, nullptr, &n); }), CKR_OK);
    if (n) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(n, 0u);
  Bytes sig;
  CK_RV rv = sign_once(h, sig);
  EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID) << rv;
  pcscd_->start();
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_TRUE(signs_again(h));
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, PcscdKilledAndStartedUnderABlockedWaitForSlotEvent) {
  start();
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  ASSERT_EQ(log_in(h), CKR_OK);
  CK_SLOT_ID ev = 99;
  while (f_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, nullptr) == CKR_OK) {
  }
  auto waiting = std::async(std::launch::async, [&] {
    CK_SLOT_ID s = 99;
    CK_RV rv = f_->C_WaitForSlotEvent(0, &s, nullptr);
    return std::make_pair(rv, s);
  });
  std::this_thread::sleep_for(300ms);
  pcscd_->kill();  // a crash: socket and PID file stay behind
  std::this_thread::sleep_for(500ms);
  pcscd_->start();
  wait_for_card(Pcscd::kReader0, true);
  // The wait does not hang on the dead service: it reports the slot, whose reader vanished with pcscd
  // (its sessions are closed, as on a removal) or whose card is pulled after the restart.
  cards_.back()->remove();
  ASSERT_EQ(waiting.wait_for(kLimit), std::future_status::ready);
  auto [rv, s] = waiting.get();
  EXPECT_EQ(rv, CKR_OK);
  EXPECT_EQ(s, slot());
  cards_.back()->insert();
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_TRUE(signs_again(h));
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, AForkedChildLeavingWithExitLeavesTheParentsCardAlone) {
  start();
  // A C host program (tests/faults/fork_host.c): logs in, signs, forks a child that calls exit() without
  // C_Initialize, signs again. Before: the child's static destructors disconnected the parent's card handles.
  std::string out, prefix = temp_dir() + "/fork";
  ASSERT_EQ(run_command(std::string(AKIS_HOST_ENV) + AKIS_FORK_HOST + " '" + AKIS_MODULE_PATH + "' 123456 '" + prefix + "'",
                        out),
            0)
      << out;
  EXPECT_TRUE(verify_with_cert(read_file(prefix + ".cert"), read_file(prefix + ".data"), read_file(prefix + ".sig"),
                               "SHA256", "pkcs1"));
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, CardPulledAtEachStep) {
  start({"--latency-command-ms", "40"});
  // During the first load.
  auto loading = std::async(std::launch::async, [&] { return token_info(); });
  std::this_thread::sleep_for(150ms);
  cards_.back()->remove();
  CK_RV rv = loading.get();
  EXPECT_TRUE(rv == CKR_OK || rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT) << rv;
  wait_for_card(Pcscd::kReader0, false);
  EXPECT_EQ(token_info(), CKR_TOKEN_NOT_PRESENT);
  cards_.back()->insert();
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_EQ(token_info(), CKR_OK);
  // Around the VERIFY.
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  auto verifying = std::async(std::launch::async, [&] { return log_in(h); });
  std::this_thread::sleep_for(60ms);
  cards_.back()->remove();
  rv = verifying.get();
  EXPECT_TRUE(rv == CKR_OK || rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID) << rv;
  cards_.back()->insert();
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_TRUE(signs_again(h));
  EXPECT_EQ(tries(), 3);
  // During the signature (after MSE, in PSO).
  auto signing = std::async(std::launch::async, [&] {
    Bytes sig;
    return sign_once(h, sig);
  });
  std::this_thread::sleep_for(60ms);
  cards_.back()->remove();
  rv = signing.get();
  EXPECT_TRUE(rv == CKR_OK || rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID) << rv;
  cards_.back()->insert();
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_TRUE(signs_again(h));
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, CardProcessKilledMidSignature) {
  start({"--latency-signature-ms", "600"});
  CK_SESSION_HANDLE h = 0;
  ASSERT_EQ(open(h), CKR_OK);
  ASSERT_EQ(log_in(h), CKR_OK);
  auto signing = std::async(std::launch::async, [&] {
    Bytes sig;
    return sign_once(h, sig);
  });
  std::this_thread::sleep_for(250ms);
  cards_.back()->process().kill_hard();
  CK_RV rv = signing.get();
  EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID) << rv;
  wait_for_card(Pcscd::kReader0, false);
  cards_.push_back(std::make_unique<VirtualCardProcess>(state_, 35963));
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_TRUE(signs_again(h));
  EXPECT_EQ(tries(), 3);
}

TEST_F(Faults, TwoReadersOnePulledTheOtherSignsAndSlotEventsNameTheReader) {
  start();
  std::string second = insert(Variant::Seal, 35964);
  CK_SLOT_ID slots[4];
  CK_ULONG n = 4;
  ASSERT_EQ(f_->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
  ASSERT_EQ(n, 2u);
  CK_SESSION_HANDLE b = 0;
  ASSERT_EQ(f_->C_OpenSession(slots[1], CKF_SERIAL_SESSION, nullptr, nullptr, &b), CKR_OK);
  ASSERT_EQ(log_in(b), CKR_OK);
  CK_SLOT_ID ev = 99;
  while (f_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, nullptr) == CKR_OK) {
  }  // events of the insertions above
  auto waiting = std::async(std::launch::async, [&] {
    CK_SLOT_ID s = 99;
    CK_RV rv = f_->C_WaitForSlotEvent(0, &s, nullptr);
    return std::make_pair(rv, s);
  });
  std::this_thread::sleep_for(300ms);
  cards_.front()->remove();  // the first reader's card
  ASSERT_EQ(waiting.wait_for(kLimit), std::future_status::ready);
  auto [rv, s] = waiting.get();
  EXPECT_EQ(rv, CKR_OK);
  EXPECT_EQ(s, slots[0]);
  Bytes sig;
  EXPECT_EQ(sign_once(b, sig), CKR_OK);  // the other card works on
  cards_.front()->insert();
  wait_for_card(Pcscd::kReader0, true);
  EXPECT_EQ(call("C_WaitForSlotEvent", [&] { return f_->C_WaitForSlotEvent(0, &ev, nullptr); }), CKR_OK);
  EXPECT_EQ(ev, slots[0]);
  EXPECT_EQ(vcard::load(second).pins.at(0).tries_left, 3);
}

}  // namespace
