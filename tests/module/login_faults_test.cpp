// SPDX-License-Identifier: LGPL-2.1-or-later
// The login state machine under faults, against in-process virtual readers: a reset by another program
// while the token's state is read (the deadlock browsers met), logins racing in threads, a logout done
// behind the module's back, and the return codes C_Login and C_GetTokenInfo may give.
#include <thread>

#include "deadline.hpp"
#include "p11_fixture.hpp"
#include "return_codes.hpp"

using namespace akis;
using namespace akis::test;
using namespace std::chrono_literals;

namespace {

class LoginFaults : public P11 {
 protected:
  void SetUp() override {
    P11::SetUp();
    card_ = insert(Variant::Pre2011);
    init();
    slot_ = slot_of(kReaderA);
  }
  CK_RV token_info() {
    CK_TOKEN_INFO ti;
    return within(5s, "C_GetTokenInfo", [&] { return f->C_GetTokenInfo(slot_, &ti); });
  }
  int user_tries() const { return card_->state().pins[0].tries_left; }
  std::shared_ptr<vcard::VirtualCard> card_;
  CK_SLOT_ID slot_ = 0;
};

TEST_F(LoginFaults, TokenInfoAfterAResetOutlivingTheCounterCacheReturns) {
  ASSERT_EQ(token_info(), CKR_OK);
  readers().reset_card(kReaderA);
  std::this_thread::sleep_for(2100ms);  // the PIN counters are read again: the reset shows inside that read
  EXPECT_EQ(token_info(), CKR_OK);
  CK_SESSION_HANDLE h = open();
  EXPECT_EQ(within(5s, "C_Login", [&] { return login(h, "123456"); }), CKR_OK);
  EXPECT_EQ(token_info(), CKR_OK);
}

TEST_F(LoginFaults, LoginRightAfterAResetLogsInWithOneVerify) {
  CK_SESSION_HANDLE h = open();
  ASSERT_EQ(token_info(), CKR_OK);
  readers().reset_card(kReaderA);
  std::size_t before = readers().verifies();
  EXPECT_EQ(login(h, "123456"), CKR_OK);
  EXPECT_EQ(readers().verifies() - before, 1u);
  EXPECT_EQ(user_tries(), 3);
  // And a wrong PIN after a reset costs exactly one try.
  ASSERT_EQ(f->C_Logout(h), CKR_OK);
  readers().reset_card(kReaderA);
  EXPECT_EQ(login(h, "000000"), CKR_PIN_INCORRECT);
  EXPECT_EQ(user_tries(), 2);
}

TEST_F(LoginFaults, EightThreadsLoggingInAtOnceSendOneVerify) {
  std::vector<CK_SESSION_HANDLE> sessions;
  for (int i = 0; i < 8; ++i) sessions.push_back(open());
  readers().set_command_delay(20ms);  // the logins overlap
  std::size_t before = readers().verifies();
  std::vector<CK_RV> rvs(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { rvs[i] = login(sessions[i], "123456"); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(rvs.begin(), rvs.end(), CKR_OK), 1);
  EXPECT_EQ(std::count(rvs.begin(), rvs.end(), CKR_USER_ALREADY_LOGGED_IN), 7);
  EXPECT_EQ(readers().verifies() - before, 1u);
}

TEST_F(LoginFaults, ThreadsWithAWrongPinCostWhatTheyWouldCostOneAfterAnother) {
  CK_SESSION_HANDLE a = open(), b = open();
  readers().set_command_delay(20ms);
  std::size_t before = readers().verifies();
  CK_RV ra = 0, rb = 0;
  std::thread ta([&] { ra = login(a, "000000"); });
  std::thread tb([&] { rb = login(b, "111111"); });
  ta.join();
  tb.join();
  EXPECT_EQ(ra, CKR_PIN_INCORRECT);
  EXPECT_EQ(rb, CKR_PIN_INCORRECT);
  EXPECT_EQ(readers().verifies() - before, 2u);
  EXPECT_EQ(user_tries(), 1);
  EXPECT_EQ(login(a, "123456"), CKR_OK);
  EXPECT_EQ(user_tries(), 3);
}

TEST_F(LoginFaults, ALogoutBehindTheModulesBackIsNoticedAndLoginWorksAgain) {
  CK_SESSION_HANDLE h = open();
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_OBJECT_HANDLE key = private_key(h, CKK_RSA, 0);
  const Bytes msg = to_bytes("belge");
  Bytes sig;
  ASSERT_EQ(sign(h, {CKM_SHA256_RSA_PKCS, nullptr, 0}, key, msg, sig), CKR_OK);
  card_->process(from_hex("801A0000"));  // another program's LOGOUT, not through this module
  EXPECT_EQ(sign(h, {CKM_SHA256_RSA_PKCS, nullptr, 0}, key, msg, sig), CKR_USER_NOT_LOGGED_IN);
  CK_SESSION_INFO si;
  ASSERT_EQ(f->C_GetSessionInfo(h, &si), CKR_OK);
  EXPECT_EQ(si.state, CKS_RW_PUBLIC_SESSION);  // the card says so: the login is really gone
  ASSERT_EQ(login(h, "123456"), CKR_OK);        // and is not "already logged in"
  EXPECT_EQ(sign(h, {CKM_SHA256_RSA_PKCS, nullptr, 0}, key, msg, sig), CKR_OK);
  EXPECT_EQ(user_tries(), 3);
}

TEST_F(LoginFaults, LoginAndTokenInfoAnswerOnlyTheirListedCodes) {
  std::vector<std::pair<std::string, CK_RV>> seen;
  auto login_rv = [&](CK_SESSION_HANDLE h, const std::string& pin, CK_USER_TYPE u = CKU_USER) {
    CK_RV rv = login(h, pin, u);
    seen.emplace_back("C_Login", rv);
    return rv;
  };
  auto info_rv = [&](CK_SLOT_ID s) {
    CK_TOKEN_INFO ti;
    CK_RV rv = f->C_GetTokenInfo(s, &ti);
    seen.emplace_back("C_GetTokenInfo", rv);
    return rv;
  };
  CK_SESSION_HANDLE h = open();
  login_rv(h, "12");                    // policy: too short
  login_rv(h, std::string(80, '1'));    // longer than any PIN
  login_rv(h, "12345x");
  login_rv(h, "123456", 99);
  login_rv(h, "123456", CKU_CONTEXT_SPECIFIC);
  login_rv(12345, "123456");
  readers().reset_card(kReaderA);
  EXPECT_EQ(login_rv(h, "123456"), CKR_OK);
  readers().reset_card(kReaderA);
  info_rv(slot_);
  login_rv(h, "123456");                // already logged in (the module has not seen the reset yet)
  info_rv(slot_of(kReaderB));           // no token
  info_rv(9999);
  ASSERT_EQ(f->C_Logout(h), CKR_OK);
  for (int i = 0; i < 4; ++i) login_rv(h, "999999");  // the fourth meets a blocked PIN
  info_rv(slot_);
  readers().remove(kReaderA);
  login_rv(h, "123456");
  info_rv(slot_);
  for (auto& [fn, rv] : seen) EXPECT_TRUE(p11::listed_for(fn.c_str(), rv)) << fn << " returned 0x" << std::hex << rv;
  EXPECT_FALSE(p11::listed_for("C_Login", CKR_PIN_LEN_RANGE));  // the table is the standard's, not ours
  EXPECT_FALSE(p11::listed_for("C_GetTokenInfo", CKR_USER_NOT_LOGGED_IN));
}

}  // namespace

namespace {

TEST(CheckedMutex, ASecondLockByTheSameThreadFailsInsteadOfHanging) {
  p11::CheckedMutex m("test lock");
  std::lock_guard held(m);
  try {
    m.lock();  // a plain std::mutex would block here for ever
    ADD_FAILURE() << "locked twice";
    m.unlock();
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("test lock"), std::string::npos) << e.what();
  }
}

}  // namespace
