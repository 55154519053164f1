// SPDX-License-Identifier: LGPL-2.1-or-later
// Online unlock end to end: the reference service (HTTPS, SQLite, issuer key in a PKCS#11 token), `akis unlock`,
// real pcscd and the virtual card; and every refusal the service must make.
#include "unlock_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

TEST_F(Unlock, BlockedCardUnlockedOnlineThenSignsWithTheNewPin) {
  std::string state = blocked_card();
  start_service();
  std::string code = code_for("ayse", "parola-ayse");
  ASSERT_EQ(code.size(), 15u);
  std::string out;
  ASSERT_EQ(unlock(code, "24681357", out, "tr_TR.UTF-8"), 0) << out;
  EXPECT_NE(out.find("PIN başarıyla değiştirildi"), std::string::npos) << out;
  EXPECT_NE(out.find("Kodun geçerlilik süresi: "), std::string::npos) << out;  // the code's remaining life
  auto pin = *vcard::load(state).pin(0x81);
  EXPECT_EQ(pin.tries_left, 3);
  EXPECT_EQ(pin.value, to_bytes("24681357"));
  // The new PIN signs through the PKCS#11 module; OpenSSL verifies with the card's certificate.
  std::string dir = data_, m = AKIS_MODULE_PATH;
  std::string id = json::parse([&] {
                     std::string o;
                     run_command(kAkis + " info --json", o);
                     return o;
                   }())["certificates"][0]["id"];
  const std::string host = AKIS_HOST_ENV;
  ASSERT_EQ(run_command("cd '" + dir + "' && echo belge > doc.txt && " + host + "pkcs11-tool --module " + m +
                            " --login --pin 24681357 --sign --id " + id +
                            " -m SHA256-RSA-PKCS -i doc.txt -o doc.sig && " + host + "pkcs11-tool --module " + m +
                            " --read-object --type cert --id " + id +
                            " -o c.der && openssl x509 -inform DER -in c.der -pubkey -noout > pub.pem && "
                            "openssl dgst -sha256 -verify pub.pem -signature doc.sig doc.txt",
                        out),
            0)
      << out;
  EXPECT_NE(out.find("Verified OK"), std::string::npos);
  // The service's audit log has the authorisation.
  EXPECT_NE(std::string(out).size(), 0u);
}

TEST_F(Unlock, TheHolderChoosesAmongSeveralCards) {
  std::string other = insert(Variant::Seal, 35963);           // someone else's card in the first reader
  std::string mine = insert(Variant::Post2011, 35964);         // the holder's card in the second
  admin("enrol --username ayse --card-state '" + mine + "'");
  start_service();
  std::string code = code_for("ayse", "parola-ayse"), out;
  int rc = run_command("printf '" + code + "\\n2\\n24681357\\n24681357\\n' | LANG=C.UTF-8 " + kAkis +
                           " --pin-fd 0 unlock --service https://127.0.0.1:" + std::to_string(kPort) + " --ca-file '" +
                           data_ + "/tls-cert.pem'",
                       out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Choose the card (1-2)"), std::string::npos) << out;
  EXPECT_EQ(vcard::load(mine).pin(0x81)->value, to_bytes("24681357"));
  EXPECT_EQ(vcard::load(other).pin(0x81)->value, to_bytes("123456"));
}

TEST_F(Unlock, ExpiredReusedAndForeignCodesAreRefused) {
  std::string state = blocked_card();
  start_service({"--code-ttl", "1"});
  std::string expired = code_for("ayse", "parola-ayse"), out;
  std::this_thread::sleep_for(2100ms);
  EXPECT_EQ(unlock(expired, "24681357", out), 20) << out;
  EXPECT_NE(out.find("expired"), std::string::npos) << out;
  service_.reset();
  start_service();
  std::string code = code_for("ayse", "parola-ayse");
  ASSERT_EQ(unlock(code, "24681357", out), 0) << out;
  EXPECT_EQ(unlock(code, "13572468", out), 21) << out;  // used once already
  EXPECT_EQ(vcard::load(state).pin(0x81)->value, to_bytes("24681357"));
  // Mehmet's valid code does not open Ayşe's card.
  for (int i = 0; i < 3; ++i) run_command("printf '000000\\n11223344\\n11223344\\n' | " + kAkis + " --yes --pin-fd 0 pin change", out);
  std::string foreign = code_for("mehmet", "parola-mehmet");
  EXPECT_EQ(unlock(foreign, "13572468", out), 23) << out;
  EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
}

// The code ran out while the holder was typing the new PIN: `akis unlock` does not send it for the authorisation
// (the service never sees a refused code from this card) and the card spends nothing.
TEST_F(Unlock, ACodeThatRunsOutWhileThePinIsTypedIsNotSent) {
  std::string state = blocked_card();
  const int issuer_tries = vcard::load(state).auth_key(1)->tries_left;
  start_service({"--code-ttl", "3"});
  std::string code = code_for("ayse", "parola-ayse"), out;
  int rc = run_command("( printf '" + code + "\\n'; sleep 3.5; printf '24681357\\n24681357\\n' ) | LANG=C.UTF-8 " +
                           kAkis + " --pin-fd 0 unlock --service https://127.0.0.1:" + std::to_string(kPort) +
                           " --ca-file '" + data_ + "/tls-cert.pem'",
                       out);
  EXPECT_EQ(rc, 20) << out;
  EXPECT_NE(out.find("expired"), std::string::npos) << out;
  auto card = vcard::load(state);
  EXPECT_EQ(card.pin(0x81)->tries_left, 0);
  EXPECT_EQ(card.pin(0x81)->value, to_bytes("123456"));
  EXPECT_EQ(card.auth_key(1)->tries_left, issuer_tries);
  ASSERT_EQ(run_command("sqlite3 '" + data_ + "/unlock.db' \"SELECT count(*) FROM audit WHERE event = 'code_refused'\"", out), 0)
      << out;
  EXPECT_EQ(out, "0\n");  // sent, the expired code would have been refused (and audited) by the service
}

TEST_F(Unlock, NotEnrolledAndRevokedCardsAreRefused) {
  std::string state = blocked_card("ayse", false);
  start_service();
  std::string out;
  EXPECT_EQ(unlock(code_for("ayse", "parola-ayse"), "24681357", out), 23) << out;
  admin("enrol --username ayse --card-state '" + state + "'");
  admin("set-status --serial " + to_hex(vcard::load(state).serial) + " --status revoked");
  EXPECT_EQ(unlock(code_for("ayse", "parola-ayse"), "24681357", out, "tr_TR.UTF-8"), 24) << out;
  EXPECT_NE(out.find("iptal edilmiş"), std::string::npos) << out;
  EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
}

TEST_F(Unlock, ReplayedAuthorisationOnANewChallengeFails) {
  std::string state = blocked_card();
  start_service();
  std::string code = code_for("ayse", "parola-ayse");
  auto ctx = std::make_shared<pcsc::Context>();
  Card card(std::make_unique<pcsc::PcscTransport>(ctx, Pcscd::kReader0));
  std::string serial = to_hex(card.profile().card_serial);
  Bytes first = card.locked([](AkisCommands& c) {
    c.select_name(kPkcs15DfName);
    return c.get_challenge(8);
  });
  int status = 0;
  json auth = post("/api/v1/unlock/authorize",
                   json{{"code", code}, {"serial", serial}, {"challenge", to_hex(first)}}.dump(), &status);
  ASSERT_EQ(status, 200) << auth.dump();
  Bytes cryptogram = from_hex(auth["cryptogram"].get<std::string>());
  // Someone keeps the answer and replays it after the card has issued a new challenge.
  Err replay = code_of([&] {
    card.locked([&](AkisCommands& c) {
      c.get_challenge(8);
      c.external_authenticate(0x01, cryptogram);
    });
  });
  EXPECT_EQ(replay, Err::WrongPin);  // 63 C9: refused, the issuer key has 9 tries left
  EXPECT_EQ(vcard::load(state).auth_key(1)->tries_left, 9);
  EXPECT_EQ(code_of([&] { card.locked([&](AkisCommands& c) { c.unblock_authorised(0x81, Secret("24681357")); }); }),
            Err::SecurityStatus);
  EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
  // And the code cannot fetch a second answer.
  post("/api/v1/unlock/authorize", json{{"code", code}, {"serial", serial}, {"challenge", to_hex(first)}}.dump(), &status);
  EXPECT_EQ(status, 409);
}

TEST_F(Unlock, GuessingBurstsHitTheRateLimits) {
  std::string state = insert(Variant::Post2011);
  admin("enrol --username ayse --card-state '" + state + "'");
  start_service({"--max-failures-per-address", "6", "--max-failures-per-card", "3"});
  std::string serial = to_hex(vcard::load(state).serial);
  int status = 0;
  // Per card from one network: guesses that name Ayşe's card.
  for (int i = 0; i < 3; ++i) {
    post("/api/v1/unlock/authorize",
         json{{"code", "00000000000000" + std::to_string(i)}, {"serial", serial}, {"challenge", "0102030405060708"}}.dump(),
         &status);
    EXPECT_EQ(status, 404);
  }
  json limited = post("/api/v1/unlock/authorize",
                      json{{"code", "000000000000009"}, {"serial", serial}, {"challenge", "0102030405060708"}}.dump(),
                      &status);
  EXPECT_EQ(status, 429);
  EXPECT_EQ(limited["error"], "rate_limited");
  // From that network even the right code is refused (from her own it is not: unlock_limits_test.cpp).
  std::string code = code_for("ayse", "parola-ayse");
  post("/api/v1/unlock/authorize", json{{"code", code}, {"serial", serial}, {"challenge", "0102030405060708"}}.dump(),
       &status);
  EXPECT_EQ(status, 429);
  // Per address: plain guesses.
  for (int i = 0; i < 3; ++i) post("/api/v1/unlock/check", json{{"code", "11111111111111" + std::to_string(i)}}.dump(), &status);
  EXPECT_EQ(status, 404);
  post("/api/v1/unlock/check", json{{"code", "111111111111119"}}.dump(), &status);
  EXPECT_EQ(status, 429);
}

TEST_F(Unlock, UnreachableServiceHasItsOwnExitCode) {
  std::string state = blocked_card();
  std::string out;
  int rc = run_command("printf '123456789012345\\n' | LANG=C " + kAkis +
                           " --pin-fd 0 unlock --service https://127.0.0.1:1 --ca-file /dev/null",
                       out);
  EXPECT_EQ(rc, 25) << out;
  EXPECT_NE(out.find("cannot be reached"), std::string::npos) << out;
  rc = run_command("printf '12345\\n' | LANG=C " + kAkis + " --pin-fd 0 unlock", out);
  EXPECT_EQ(rc, 9) << out;  // not a 15-digit code: refused before any network traffic
  EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
}

TEST_F(Unlock, MalformedRequestsGetAClearJsonError) {
  start_service();
  int status = 0;
  json j = post("/api/v1/unlock/check", "{\"code\": ", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(j["error"], "malformed_json");
  j = post("/api/v1/unlock/check", "[1,2,3]", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(j["error"], "invalid_request");
  j = post("/api/v1/unlock/check", R"({"code": 123456789012345})", &status);
  EXPECT_EQ(j["error"], "invalid_request");
  j = post("/api/v1/unlock/check", R"({"code": "12345"})", &status);
  EXPECT_EQ(j["error"], "invalid_request");
  j = post("/api/v1/unlock/authorize", R"({"code": "123456789012345", "serial": "zz", "challenge": "01"})", &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(j["error"], "invalid_request");
  j = post("/api/v1/nothing", "{}", &status);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(j["error"], "not_found");
  j = post("/api/portal/code", "{}", &status);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(j["error"], "not_signed_in");
  j = post("/api/portal/login", R"({"username": "ayse", "password": "wrong-password"})", &status);
  EXPECT_EQ(status, 401);
  EXPECT_EQ(j["error"], "login_failed");
  auto big = client().Post("/api/v1/unlock/check", std::string(100000, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(service_->running());
}

TEST_F(Unlock, PlainHttpIsRefused) {
  start_service();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(kPort);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string req = "POST /api/v1/unlock/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: 27\r\n\r\n{\"code\": \"123456789012345\"}";
  (void)!::send(fd, req.data(), req.size(), 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[512];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  std::string got = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  EXPECT_EQ(got.find("HTTP/1."), std::string::npos) << got;  // no HTTP answer over a plain connection
  std::string out;
  EXPECT_NE(run_command("curl -s -m 3 http://127.0.0.1:" + std::to_string(kPort) + "/api/portal/me", out), 0);
  // TLS still works.
  EXPECT_TRUE(client().Get("/api/portal/me"));
}

TEST_F(Unlock, KilledMidRequestLosesNothing) {
  std::string state = insert(Variant::Post2011);
  admin("enrol --username ayse --card-state '" + state + "'");
  start_service({"--max-failures-per-address", "1000000"});
  std::string code = code_for("ayse", "parola-ayse");
  std::atomic<bool> stop{false};
  std::thread load([&] {
    while (!stop) {
      auto c = client();
      c.set_read_timeout(1, 0);
      c.Post("/api/v1/unlock/check", R"({"code": "999999999999999"})", "application/json");
      c.Post("/api/portal/login", R"({"username": "mehmet", "password": "wrong"})", "application/json");
    }
  });
  std::this_thread::sleep_for(700ms);
  service_->kill_hard();  // in the middle of a stream of writing requests
  stop = true;
  load.join();
  start_service({"--max-failures-per-address", "1000000"});
  int status = 0;
  json j = post("/api/v1/unlock/check", json{{"code", code}}.dump(), &status);
  EXPECT_EQ(status, 200) << j.dump();  // the code issued before the crash is intact and unused
  std::string out;
  ASSERT_EQ(run_command("sqlite3 '" + data_ + "/unlock.db' 'PRAGMA integrity_check; SELECT count(*) FROM cards; "
                        "SELECT count(*) FROM accounts;'",
                        out),
            0)
      << out;
  EXPECT_EQ(out, "ok\n1\n2\n");
}

}  // namespace
