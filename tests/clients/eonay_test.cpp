// SPDX-License-Identifier: LGPL-2.1-or-later
// E-Onay end to end: the portal's code and text, `akis eonay` signing it on a virtual card through pcscd and the
// built PKCS#11 module, the service's checks (cades_verify, the trusted CA, validity, the holder's T.C. Kimlik No),
// the approval recorded in the database, its withdrawal; and each refusal. One test drives the whole flow through
// the portal page in headless Chromium: page, card, page.
#include <gtest/gtest.h>
#include <time.h>

#include "akis/sign/cades.hpp"
#include "akis/sign/token.hpp"
#include "browser.hpp"
#include "card_state.hpp"
#include "cards.hpp"
#include "unlock_fixture.hpp"
#include "unlock_postgres.hpp"

namespace akis::test {
namespace {

constexpr const char* kHolderId = "10000000146";
constexpr const char* kOtherId = "12345678950";

// Cards personalised once per process: RSA key generation is the slow part.
const vcard::CardState& eonay_card(const std::string& kind) {
  static std::map<std::string, vcard::CardState> made;
  if (auto it = made.find(kind); it != made.end()) return it->second;
  vcard::PersonaliseOptions o = options_for(Variant::Post2011);
  o.national_id = kind == "other" ? kOtherId : kHolderId;
  if (kind == "expired") {
    o.valid_from_days = -400;
    o.valid_days = 30;
  }
  if (kind == "untrusted") o.ca_dir = temp_dir() + "/other-ca";
  return made.emplace(kind, vcard::personalise(o)).first->second;
}

class Eonay : public Unlock {
 protected:
  void SetUp() override {
    Unlock::SetUp();
    admin(std::string("add-account --username zeynep --name 'Zeynep Kaya' --national-id ") + kHolderId, "parola-zeynep");
  }
  void start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--eonay-ca", ca_cert_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    start_service(args);
  }
  std::string sign_in() {
    auto c = client();
    auto login = c.Post("/api/portal/login", json{{"username", "zeynep"}, {"password", "parola-zeynep"}}.dump(),
                        "application/json");
    EXPECT_TRUE(login && login->status == 200);
    std::string cookie = login ? login->get_header_value("Set-Cookie") : "";
    return cookie.substr(0, cookie.find(';'));
  }
  // The portal's E-Onay answer: the code and the text.
  json ask(const std::string& cookie) {
    int status = 0;
    json j = post("/api/portal/eonay", "{}", &status, cookie);
    EXPECT_EQ(status, 200) << j.dump();
    EXPECT_EQ(j.value("code", "").size(), 15u);
    return j;
  }
  json status_of(const std::string& cookie) {
    httplib::Headers h{{"Cookie", cookie}};
    auto r = client().Get("/api/portal/eonay", h);
    EXPECT_TRUE(r && r->status == 200);
    return r ? json::parse(r->body, nullptr, false) : json();
  }
  std::string use_card(const std::string& kind) {  // the card's state file
    cards_.clear();
    wait_for_card(Pcscd::kReader0, false);
    return insert_state(eonay_card(kind));
  }
  int eonay(const std::string& code, std::string& out) {
    return run_command(std::string(AKIS_HOST_ENV) + "LANG=C.UTF-8 LANGUAGE= AKIS_PIN=123456 AKIS_PKCS11_MODULE='" +
                           AKIS_MODULE_PATH + "' " + kAkis + " --yes eonay " + code + " --server https://127.0.0.1:" +
                           std::to_string(kPort) + " --ca-file '" + data_ + "/tls-cert.pem' </dev/null 2>&1",
                       out);
  }
  // As a holder runs it: no --yes; the answer to the confirmation and then the PIN come on stdin (--pin-fd 0).
  int eonay_asked(const std::string& code, const std::string& input, std::string& out) {
    return run_command("printf '" + input + "' | " + std::string(AKIS_HOST_ENV) + "LANG=C.UTF-8 LANGUAGE= AKIS_PKCS11_MODULE='" +
                           AKIS_MODULE_PATH + "' " + kAkis + " --pin-fd 0 eonay " + code + " --server https://127.0.0.1:" +
                           std::to_string(kPort) + " --ca-file '" + data_ + "/tls-cert.pem' 2>&1",
                       out);
  }
  static std::vector<int> tries_left(const std::string& state) {
    std::vector<int> t;
    for (const auto& p : vcard::load(state).pins) t.push_back(p.tries_left);
    return t;
  }
  std::string sql(const std::string& query) {
    std::string out;
    run_command("sqlite3 '" + data_ + "/unlock.db' \"" + query + "\"", out);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
};

TEST_F(Eonay, ApprovedWithTheHoldersCardRecordedAndWithdrawn) {
  start();
  use_card("holder");
  std::string cookie = sign_in();
  json asked = ask(cookie);
  EXPECT_NE(asked.value("text_tr", "").find("TAAHHÜTNAME"), std::string::npos);
  EXPECT_NE(asked.value("text_en", "").find("COMMITMENT"), std::string::npos);
  EXPECT_FALSE(status_of(cookie).value("approved", true));

  std::string out;
  ASSERT_EQ(eonay(asked["code"], out), 0) << out;
  EXPECT_NE(out.find(asked.value("text_tr", "")), std::string::npos) << "the Turkish text is shown in full";
  EXPECT_NE(out.find(asked.value("text_en", "")), std::string::npos) << "the English text is shown in full";
  EXPECT_NE(out.find("E-Onay given"), std::string::npos) << out;

  // The record names the card's certificate: its SHA-256 fingerprint, computed here by openssl from the card's
  // certificate as the module gives it.
  json st = status_of(cookie);
  EXPECT_TRUE(st.value("approved", false)) << st.dump();
  Bytes cert;
  {
    auto token = sign::Token::open(AKIS_MODULE_PATH);
    token->login(Secret(std::string("123456")));  // the key (and so the signing certificate) shows after the login
    cert = token->choose("").der;
  }
  std::string pem = temp_dir() + "/holder-cert.der";
  std::ofstream(pem, std::ios::binary).write(reinterpret_cast<const char*>(cert.data()), static_cast<std::streamsize>(cert.size()));
  std::string fp;
  run_command("openssl x509 -inform DER -in '" + pem + "' -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr a-f A-F", fp);
  fp.erase(fp.find_last_not_of("\n") + 1);
  EXPECT_EQ(st.value("cert_fingerprint", ""), fp);
  EXPECT_EQ(sql("SELECT count(*) FROM approvals a JOIN accounts u ON u.id = a.account_id WHERE u.username = 'zeynep' "
                "AND a.withdrawn_at IS NULL AND a.text_version = '1'"),
            "1");

  // Withdrawal ("Daha önce vermiş olduğum E-Onayı kaldırmak istiyorum").
  int status = 0;
  post("/api/portal/eonay/withdraw", "{}", &status, cookie);
  EXPECT_EQ(status, 200);
  EXPECT_FALSE(status_of(cookie).value("approved", true));
  EXPECT_EQ(sql("SELECT count(*) FROM approvals WHERE withdrawn_at IS NOT NULL"), "1");
  json again = post("/api/portal/eonay/withdraw", "{}", &status, cookie);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(again.value("error", ""), "no_approval");
}

TEST_F(Eonay, ExpiredCodeRefused) {
  start({"--code-ttl", "1"});
  std::string cookie = sign_in();
  json asked = ask(cookie);
  std::this_thread::sleep_for(2100ms);
  int status = 0;
  json j = post("/api/v1/eonay/text", json{{"code", asked["code"]}}.dump(), &status);
  EXPECT_EQ(status, 410);
  EXPECT_EQ(j.value("error", ""), "code_expired");
  use_card("holder");
  std::string out;
  EXPECT_EQ(eonay(asked["code"], out), 20) << out;
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "0");
}

TEST_F(Eonay, AnotherPersonsCardRefusedAndTheCodeStaysForTheHolder) {
  start();
  std::string cookie = sign_in();
  json asked = ask(cookie);
  use_card("other");
  std::string out;
  EXPECT_EQ(eonay(asked["code"], out), 23) << out;
  EXPECT_NE(out.find("T.C. Kimlik No"), std::string::npos) << out;
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "0");
  EXPECT_EQ(sql("SELECT detail FROM audit WHERE event = 'code_refused'"), "wrong_signer");
  use_card("holder");
  EXPECT_EQ(eonay(asked["code"], out), 0) << out;
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "1");
}

TEST_F(Eonay, SignatureOverAnotherTextRefused) {
  start();
  std::string cookie = sign_in();
  json asked = ask(cookie);
  use_card("holder");
  Bytes cms;
  {
    auto token = sign::Token::open(AKIS_MODULE_PATH);
    token->login(Secret(std::string("123456")));
    auto cert = token->choose("");
    std::string other = asked.value("document", "") + "Ek madde: tüm haklarımdan vazgeçiyorum.\n";
    cms = sign::cades_sign(token->private_key(cert), cert.der, view(other));
  }
  int status = 0;
  json j = post("/api/v1/eonay/approve", json{{"code", asked["code"]}, {"signature", to_hex(cms)}}.dump(), &status);
  EXPECT_EQ(status, 422) << j.dump();
  EXPECT_EQ(j.value("error", ""), "text_mismatch");
  // Bytes that are no CMS at all: a clear refusal too.
  j = post("/api/v1/eonay/approve", json{{"code", asked["code"]}, {"signature", to_hex(Bytes(100, 0x30))}}.dump(), &status);
  EXPECT_EQ(status, 422) << j.dump();
  EXPECT_EQ(j.value("error", ""), "signature_invalid");
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "0");
}

TEST_F(Eonay, ExpiredOrUntrustedCertificateRefused) {
  start();
  std::string cookie = sign_in();
  std::string out;
  use_card("expired");
  EXPECT_EQ(eonay(ask(cookie)["code"], out), 26) << out;
  EXPECT_NE(out.find("expired"), std::string::npos) << out;
  use_card("untrusted");
  EXPECT_EQ(eonay(ask(cookie)["code"], out), 26) << out;
  EXPECT_NE(out.find("not issued by the trusted CA"), std::string::npos) << out;
  EXPECT_EQ(sql("SELECT group_concat(detail) FROM audit WHERE event = 'code_refused'"),
            "certificate_expired,certificate_untrusted");
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "0");
}

TEST_F(Eonay, ApprovedAndWithdrawnOnPostgres) {
  PostgresServer pg;
  admin(std::string("add-account --username zeynep --name 'Zeynep Kaya' --national-id ") + kHolderId +
            " --database '" + pg.database() + "'",
        "parola-zeynep");
  EXPECT_EQ(pg.sql("SELECT national_id FROM accounts WHERE username = 'zeynep'"), std::string(kHolderId) + "\n");
  start({"--database", pg.database()});
  use_card("holder");
  std::string cookie = sign_in();
  std::string out;
  ASSERT_EQ(eonay(ask(cookie)["code"], out), 0) << out;
  EXPECT_EQ(pg.sql("SELECT count(*) FROM approvals WHERE withdrawn_at IS NULL AND text_version = '1'"), "1\n");
  // The CMS is kept here too (a DER SEQUENCE with the certificate in it); openssl checks it in the browser test.
  EXPECT_EQ(pg.sql("SELECT left(signature, 4) = '3082' AND length(signature) > 2000 FROM approvals"), "t\n");
  EXPECT_TRUE(status_of(cookie).value("approved", false));
  int status = 0;
  post("/api/portal/eonay/withdraw", "{}", &status, cookie);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(pg.sql("SELECT count(*) FROM approvals WHERE withdrawn_at IS NOT NULL"), "1\n");
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "0");  // nothing went to the SQLite file
}

TEST_F(Eonay, UsedCodeRefusedWithoutASecondApproval) {
  start();
  std::string state = use_card("holder");
  json asked = ask(sign_in());
  std::string out;
  ASSERT_EQ(eonay(asked["code"], out), 0) << out;
  EXPECT_EQ(eonay(asked["code"], out), 21) << out;  // kCodeUsed
  EXPECT_NE(out.find("already used"), std::string::npos) << out;
  EXPECT_EQ(sql("SELECT detail FROM audit WHERE event = 'code_refused'"), "code_used");
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM audit WHERE event = 'eonay_approved'"), "1");
}

TEST_F(Eonay, DeclinedAtTheConfirmationNothingPostedPinUntouched) {
  start();
  std::string state = use_card("holder");
  const std::vector<int> before = tries_left(state);
  json asked = ask(sign_in());
  std::string out;
  // "n" at the question, then a wrong PIN: had the tool gone on, the card's counter would show it.
  EXPECT_EQ(eonay_asked(asked["code"], "n\\n000000\\n", out), 10) << out;  // kDeclined
  EXPECT_NE(out.find(asked.value("text_en", "")), std::string::npos) << "the text is shown before the question";
  EXPECT_NE(out.find("[y/N]"), std::string::npos) << out;
  EXPECT_NE(out.find("Nothing was sent to the card"), std::string::npos) << out;
  // An empty answer (Enter) declines too.
  EXPECT_EQ(eonay_asked(asked["code"], "\\n000000\\n", out), 10) << out;
  EXPECT_EQ(tries_left(state), before);
  EXPECT_EQ(sql("SELECT count(*) FROM approvals"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM audit WHERE event IN ('eonay_approved', 'code_refused')"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM codes WHERE used_at IS NOT NULL"), "0");
  int status = 0;
  post("/api/v1/eonay/text", json{{"code", asked["code"]}}.dump(), &status);
  EXPECT_EQ(status, 200) << "the code stays valid for the holder";
}

// The whole flow as a holder lives it: the portal page in headless Chromium, `akis eonay` with the card through
// pcscd answering the question on stdin, back to the page; the stored signature checked by openssl.
TEST_F(Eonay, InTheBrowserSignedWithTheCardShownAndWithdrawn) {
  constexpr int kDriverPort = 19516;
  start();
  std::string state = use_card("holder");
  auto driver = start_chromedriver(kDriverPort, data_ + "/chromedriver.log");
  ASSERT_TRUE(driver) << "chromedriver did not start";
  Browser b(data_ + "/chromium-profile", kDriverPort);
  b.go("https://127.0.0.1:" + std::to_string(kPort) + "/?lang=en");
  ASSERT_TRUE(b.wait_for("#login-form"));
  b.type("#username", "zeynep");
  b.type("#password", "parola-zeynep");
  b.click("#login-button");
  ASSERT_TRUE(b.wait_for("#eonay-status", ""));
  EXPECT_EQ(b.text("#eonay-status"), "No E-Onay given.");
  EXPECT_FALSE(b.displayed("#eonay-withdraw"));
  b.click("#eonay-get");
  ASSERT_TRUE(b.wait_for("#eonay-code", ""));
  const std::string code = b.text("#eonay-code");
  ASSERT_EQ(code.size(), 15u) << code;
  EXPECT_EQ(b.text("#eonay-text").rfind("E-APPROVAL COMMITMENT", 0), 0u) << b.text("#eonay-text");
  int status = 0;
  const std::string document = post("/api/v1/eonay/text", json{{"code", code}}.dump(), &status).value("document", "");
  EXPECT_EQ(status, 200);  // the document the tool will fetch for this code (the code stays valid)
  ASSERT_TRUE(b.wait_for("#eonay-countdown", ""));
  const int t0 = std::stoi(b.text("#eonay-countdown"));
  EXPECT_GT(t0, 290);
  EXPECT_LE(t0, 300);
  std::this_thread::sleep_for(2100ms);
  EXPECT_LT(std::stoi(b.text("#eonay-countdown")), t0) << "the countdown runs";

  // The holder's terminal: the code from the page, "e" (evet) at the question, the PIN.
  std::string out;
  ASSERT_EQ(eonay_asked(code, "e\\n123456\\n", out), 0) << out;
  EXPECT_NE(out.find("E-APPROVAL COMMITMENT"), std::string::npos) << out;
  EXPECT_NE(out.find("E-Onay given"), std::string::npos) << out;

  // The page (polling) shows it with the date the service recorded, in the browser's local time.
  std::string shown = b.wait_for_text("#eonay-status", "E-Onay given: ");
  const std::time_t at = std::stoll(sql("SELECT at FROM approvals WHERE withdrawn_at IS NULL"));
  std::tm tm{};
  localtime_r(&at, &tm);
  char en[32], tr[32];
  std::snprintf(en, sizeof en, "%d/%d/%d, ", tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900);
  std::snprintf(tr, sizeof tr, "%02d.%02d.%d ", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
  EXPECT_EQ(shown.rfind(std::string("E-Onay given: ") + en, 0), 0u) << shown;
  EXPECT_FALSE(b.displayed("#eonay-box"));
  b.click("#lang-tr");
  EXPECT_EQ(b.text("#eonay-status").rfind(std::string("E-Onay verildi: ") + tr, 0), 0u) << b.text("#eonay-status");

  // What the service kept: the card's CMS over exactly the service's text, valid under the test CA.
  const std::string sig = temp_dir() + "/eonay-stored.der";
  ASSERT_EQ(run_command("sqlite3 '" + data_ + "/unlock.db' 'SELECT signature FROM approvals' | xxd -r -p > '" + sig +
                            "' && openssl cms -verify -binary -inform DER -in '" + sig + "' -CAfile '" + ca_cert_path() +
                            "' -out '" + sig + ".txt' 2>&1",
                        out),
            0)
      << out;
  std::ifstream f(sig + ".txt", std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(f)), {}), document);

  // Withdrawal in the page; the database and the page (also after a reload) say so.
  EXPECT_EQ(b.text("#eonay-withdraw"), "Daha önce vermiş olduğum E-Onayı kaldırmak istiyorum");
  b.click("#eonay-withdraw");
  EXPECT_EQ(b.wait_for_text("#eonay-status", "E-Onay verilmedi."), "E-Onay verilmedi.");
  EXPECT_FALSE(b.displayed("#eonay-withdraw"));
  EXPECT_EQ(sql("SELECT count(*) FROM approvals WHERE withdrawn_at IS NOT NULL"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM approvals WHERE withdrawn_at IS NULL"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM audit WHERE event = 'eonay_withdrawn'"), "1");
  b.reload();
  EXPECT_EQ(b.wait_for_text("#eonay-status", "No E-Onay given."), "No E-Onay given.");
}

}  // namespace
}  // namespace akis::test
