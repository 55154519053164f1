// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 13 attacks on the rate limits: an attacker must not turn them against a card holder, failed logins are not
// refused codes, a whole network shares one limit, and user names cannot be told apart by timing. And the portal's
// code bound to the card the holder chose, with the history of her cards.
#include "unlock_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

std::string guess(int i) {
  std::string g = "9" + std::to_string(1000000 + i);
  return g + std::string(15 - g.size(), '7');
}

TEST_F(Unlock, WrongCodesNamingAVictimsCardDoNotLockHerOut) {
  std::string state = insert(Variant::Post2011);
  admin("enrol --username ayse --card-state '" + state + "'");
  start_service();
  std::string serial = to_hex(vcard::load(state).serial);
  int status = 0;
  source_ = "127.0.9.1";  // the attacker, on another network
  for (int i = 0; i < 8; ++i)
    post("/api/v1/unlock/authorize", json{{"code", guess(i)}, {"serial", serial}, {"challenge", "0102030405060708"}}.dump(),
         &status);
  EXPECT_EQ(status, 429);  // the attacker is throttled ...
  source_.clear();
  std::string code = code_for("ayse", "parola-ayse");
  json j = post("/api/v1/unlock/authorize", json{{"code", code}, {"serial", serial}, {"challenge", "0102030405060708"}}.dump(),
                &status);
  EXPECT_EQ(status, 200) << j.dump();  // ... and the holder is not
}

TEST_F(Unlock, FailedLoginsAreTheirOwnKindWithTheirOwnLimits) {
  start_service({"--max-failures-per-address", "3", "--max-login-failures-per-user", "5"});
  std::string code = code_for("ayse", "parola-ayse");
  int status = 0;
  for (int i = 0; i < 3; ++i) post("/api/portal/login", R"({"username": "mehmet", "password": "wrong-password"})", &status);
  EXPECT_EQ(status, 401);
  post("/api/v1/unlock/check", json{{"code", code}}.dump(), &status);
  EXPECT_EQ(status, 200);  // failed logins do not count as refused codes
  post("/api/portal/login", R"({"username": "mehmet", "password": "parola-mehmet"})", &status);
  EXPECT_EQ(status, 429);  // three failed logins from this network
  // Per user name, from anywhere.
  for (int i = 0; i < 5; ++i) {
    source_ = "127.0." + std::to_string(20 + i) + ".1";
    post("/api/portal/login", R"({"username": "ayse", "password": "wrong-password"})", &status);
  }
  source_ = "127.0.40.1";
  post("/api/portal/login", R"({"username": "ayse", "password": "parola-ayse"})", &status);
  EXPECT_EQ(status, 429);
  std::string out;
  run_command("sqlite3 '" + data_ + "/unlock.db' \"SELECT event, count(*) FROM audit WHERE event IN "
              "('login_failed', 'code_refused') GROUP BY event;\"", out);
  EXPECT_EQ(out, "login_failed|8\n");
}

TEST_F(Unlock, OneNetworkSharesOneLimit) {
  start_service();
  int status = 0, limited = 0;
  for (int a = 1; a <= 50; ++a) {  // 50 addresses of one /24, one guess each
    source_ = "127.0.7." + std::to_string(a);
    post("/api/v1/unlock/check", json{{"code", guess(a)}}.dump(), &status);
    if (status == 429) ++limited;
  }
  EXPECT_EQ(limited, 40);
  source_ = "127.0.8.1";  // the next network is not affected
  post("/api/v1/unlock/check", json{{"code", guess(99)}}.dump(), &status);
  EXPECT_EQ(status, 404);
}

TEST_F(Unlock, UnknownUserNamesCostAsMuchAsKnownOnes) {
  start_service({"--max-failures-per-address", "1000", "--max-login-failures-per-user", "1000"});
  auto time_logins = [&](const std::string& user) {
    int status = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 6; ++i)
      post("/api/portal/login", json{{"username", user}, {"password", "wrong-password"}}.dump(), &status);
    EXPECT_EQ(status, 401);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  time_logins("ayse");  // warm up
  double known = time_logins("ayse"), unknown = time_logins("nobody-here");
  EXPECT_GT(unknown / known, 0.6) << "known " << known << " s, unknown " << unknown << " s";
  EXPECT_LT(unknown / known, 1.6) << "known " << known << " s, unknown " << unknown << " s";
}

TEST_F(Unlock, CodesOnThePortalAreRateLimited) {
  start_service({"--max-codes-per-account", "3"});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(code_for("ayse", "parola-ayse").size(), 15u);
  auto c = client();
  auto login = c.Post("/api/portal/login", R"({"username": "ayse", "password": "parola-ayse"})", "application/json");
  ASSERT_TRUE(login);
  std::string cookie = login->get_header_value("Set-Cookie");
  int status = 0;
  json j = post("/api/portal/code", "{}", &status, cookie.substr(0, cookie.find(';')));
  EXPECT_EQ(status, 429) << j.dump();
}

TEST_F(Unlock, ACodeChosenForOneCardUnlocksThatCardOnly) {
  std::string state = insert(Variant::Post2011);
  std::string serial = to_hex(vcard::load(state).serial), other = "0102030405060708090A0B0C";
  admin("enrol --username ayse --card-state '" + state + "'");
  admin("enrol --username ayse --serial " + other);
  admin("enrol --username mehmet --serial 0C0B0A090807060504030201");
  start_service();
  auto c = client();
  auto login = c.Post("/api/portal/login", R"({"username": "ayse", "password": "parola-ayse"})", "application/json");
  ASSERT_TRUE(login);
  std::string cookie = login->get_header_value("Set-Cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  int status = 0;
  auto code_for_card = [&](const std::string& s) {
    json j = post("/api/portal/code", json{{"serial", s}}.dump(), &status, cookie);
    return j.value("code", "");
  };
  code_for_card("0C0B0A090807060504030201");
  EXPECT_EQ(status, 400);  // Mehmet's card
  std::string code = code_for_card(other);
  ASSERT_EQ(status, 200);
  auto authorize = [&](const std::string& code_) {
    post("/api/v1/unlock/authorize", json{{"code", code_}, {"serial", serial}, {"challenge", "0102030405060708"}}.dump(),
         &status);
    return status;
  };
  EXPECT_EQ(authorize(code), 403);  // chosen for the other card
  EXPECT_EQ(authorize(code_for_card(serial)), 200);
  json me = json::parse(client().Get("/api/portal/me", httplib::Headers{{"Cookie", cookie}})->body);
  ASSERT_EQ(me["history"].size(), 2u) << me.dump();
  EXPECT_EQ(me["history"][0]["event"], "unlock_authorized");
  EXPECT_EQ(me["history"][0]["serial"], serial);
  EXPECT_EQ(me["history"][1]["event"], "code_refused");
}

}  // namespace
