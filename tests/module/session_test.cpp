// SPDX-License-Identifier: LGPL-2.1-or-later
// Sessions, login per application, PIN change, PUK unblock.
#include "p11_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

CK_STATE state_of(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE h) {
  CK_SESSION_INFO si{};
  EXPECT_EQ(f->C_GetSessionInfo(h, &si), CKR_OK);
  return si.state;
}

TEST_F(P11, LoginHoldsForEverySessionOfTheApplication) {
  insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE rw = open(true), ro = open(false);
  EXPECT_EQ(state_of(f, rw), CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(state_of(f, ro), CKS_RO_PUBLIC_SESSION);
  ASSERT_EQ(login(ro, "123456"), CKR_OK);
  EXPECT_EQ(state_of(f, rw), CKS_RW_USER_FUNCTIONS);  // the vendor library: only the session that logged in
  EXPECT_EQ(state_of(f, ro), CKS_RO_USER_FUNCTIONS);
  CK_SESSION_HANDLE later = open(true);
  EXPECT_EQ(state_of(f, later), CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(login(rw, "123456"), CKR_USER_ALREADY_LOGGED_IN);
  // A private key found and used from a session that never called C_Login.
  CK_OBJECT_HANDLE key = private_key(later, CKK_RSA);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  Bytes sig;
  Bytes di = sha256_digest_info(to_bytes("x"));
  EXPECT_EQ(sign(later, {CKM_RSA_PKCS, nullptr, 0}, key, di, sig), CKR_OK);
  EXPECT_EQ(f->C_Logout(rw), CKR_OK);
  EXPECT_EQ(state_of(f, ro), CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(f->C_Logout(rw), CKR_USER_NOT_LOGGED_IN);
}

TEST_F(P11, ClosingTheLastSessionLogsOut) {
  auto card = insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE a = open(), b = open();
  ASSERT_EQ(login(a, "123456"), CKR_OK);
  EXPECT_EQ(f->C_CloseSession(a), CKR_OK);
  EXPECT_EQ(state_of(f, b), CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(f->C_CloseSession(b), CKR_OK);
  EXPECT_EQ(f->C_CloseSession(b), CKR_SESSION_HANDLE_INVALID);
  CK_SESSION_HANDLE c = open();
  EXPECT_EQ(state_of(f, c), CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(f->C_CloseAllSessions(slot_of(kReaderA)), CKR_OK);
  EXPECT_EQ(f->C_GetSessionInfo(c, nullptr), CKR_SESSION_HANDLE_INVALID);  // session errors first (3.0 5.1)
  CK_SESSION_INFO si;
  EXPECT_EQ(f->C_GetSessionInfo(c, &si), CKR_SESSION_HANDLE_INVALID);
}

TEST_F(P11, LoginErrorsAreExactAndSpendNoTryOnBadFormat) {
  auto card = insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  // C_Login may not answer CKR_PIN_LEN_RANGE or CKR_PIN_INVALID: a PIN the policy rules out is incorrect.
  EXPECT_EQ(login(h, "123"), CKR_PIN_INCORRECT);
  EXPECT_EQ(login(h, "1234567890123"), CKR_PIN_INCORRECT);
  EXPECT_EQ(login(h, "12345a"), CKR_PIN_INCORRECT);
  EXPECT_EQ(login(h, std::string(65, '1')), CKR_PIN_INCORRECT);
  EXPECT_EQ(card->state().pins[0].tries_left, 3);  // nothing reached the card
  EXPECT_EQ(login(h, "654321"), CKR_PIN_INCORRECT);
  EXPECT_EQ(card->state().pins[0].tries_left, 2);
  EXPECT_EQ(login(h, "123456", 77), CKR_USER_TYPE_INVALID);
  EXPECT_EQ(login(h, "123456", CKU_CONTEXT_SPECIFIC), CKR_OPERATION_NOT_INITIALIZED);
  CK_SESSION_HANDLE ro = open(false);
  EXPECT_EQ(login(h, "87654321", CKU_SO), CKR_SESSION_READ_ONLY_EXISTS);
  EXPECT_EQ(f->C_CloseSession(ro), CKR_OK);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  EXPECT_EQ(login(h, "87654321", CKU_SO), CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  EXPECT_EQ(card->state().pins[0].tries_left, 3);
}

TEST_F(P11, PostCardsHaveNoSoPin) {
  insert(Variant::Post2011);
  init();
  CK_SESSION_HANDLE h = open();
  EXPECT_EQ(login(h, "87654321", CKU_SO), CKR_USER_TYPE_INVALID);
}

TEST_F(P11, SetPinChangesThePinOnTheCard) {
  auto card = insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  auto set_pin = [&](const std::string& o, const std::string& n) {
    return f->C_SetPIN(h, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(o.data())), o.size(),
                       reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(n.data())), n.size());
  };
  EXPECT_EQ(set_pin("123456", "12"), CKR_PIN_LEN_RANGE);
  EXPECT_EQ(set_pin("000000", "24682468"), CKR_PIN_INCORRECT);
  EXPECT_EQ(card->state().pins[0].tries_left, 2);
  EXPECT_EQ(set_pin("123456", "24682468"), CKR_OK);
  EXPECT_EQ(card->state().pins[0].value, to_bytes("24682468"));
  EXPECT_EQ(login(h, "123456"), CKR_PIN_INCORRECT);
  EXPECT_EQ(login(h, "24682468"), CKR_OK);
  CK_SESSION_HANDLE ro = open(false);
  EXPECT_EQ(f->C_SetPIN(ro, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("24682468")), 8,
                        reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("13579135")), 8),
            CKR_SESSION_READ_ONLY);
}

TEST_F(P11, SoLoginWithPukThenInitPinUnblocks) {
  auto card = insert(Variant::Pre2011);
  init();
  CK_SESSION_HANDLE h = open();
  for (int i = 0; i < 3; ++i) login(h, "000000");
  ASSERT_EQ(login(h, "123456"), CKR_PIN_LOCKED);
  EXPECT_EQ(login(h, "11111111", CKU_SO), CKR_PIN_INCORRECT);
  EXPECT_EQ(card->state().pins[1].tries_left, 2);  // the PUK counter
  ASSERT_EQ(login(h, "87654321", CKU_SO), CKR_OK);
  EXPECT_EQ(state_of(f, h), CKS_RW_SO_FUNCTIONS);
  EXPECT_EQ(f->C_InitPIN(h, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("1357")), 4), CKR_PIN_LEN_RANGE);
  ASSERT_EQ(f->C_InitPIN(h, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("135791")), 6), CKR_OK);
  EXPECT_EQ(card->state().pins[0].tries_left, 3);
  EXPECT_EQ(f->C_Logout(h), CKR_OK);
  EXPECT_EQ(login(h, "135791"), CKR_OK);
  EXPECT_EQ(f->C_InitPIN(h, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("135791")), 6), CKR_USER_NOT_LOGGED_IN);
}

}  // namespace
