// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 13 attacks on the unlock service and its client, each a test: key material in the database, file modes,
// secrets in admin messages, re-enrolment, plain HTTP, and a rogue service spending the card's issuer-key tries.
#include <sys/stat.h>

#include "unlock_fixture.hpp"
#include "personalise.hpp"

using namespace akis;
using namespace akis::test;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& hay, const Bytes& needle) {
  return hay.find(std::string(needle.begin(), needle.end())) != std::string::npos;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_mode & 0777 : 01000;
}

Bytes master_key() { return from_hex(slurp(issuer_master_path())); }

std::string sql(const std::string& db, const std::string& query) {
  std::string out;
  run_command("sqlite3 '" + db + "' \"" + query + "\"", out);
  return out;
}

TEST_F(Unlock, TheDatabaseHoldsNoKeyAndTheTokenComputesTheCryptogram) {
  std::string state = blocked_card();
  Bytes serial = vcard::load(state).serial;
  start_service();
  std::string out;
  ASSERT_EQ(unlock(code_for("ayse", "parola-ayse"), "24681357", out), 0) << out;  // the token's cryptogram opens it
  EXPECT_EQ(vcard::load(state).pin(0x81)->value, to_bytes("24681357"));
  Bytes k_card = vcard::diversify_unblock_key(master_key(), serial);
  ASSERT_EQ(vcard::load(state).auth_key(1)->secret, k_card);  // what the card checks
  for (const char* f : {"/unlock.db", "/unlock.db-wal", "/unlock.db-shm"}) {
    std::string bytes = slurp(data_ + f);
    EXPECT_FALSE(contains(bytes, k_card)) << f << " holds the card key";
    EXPECT_FALSE(contains(bytes, master_key())) << f << " holds the master key";
    EXPECT_FALSE(contains(bytes, to_bytes(to_hex(k_card)))) << f;
  }
}

TEST_F(Unlock, PersonalisationGetsOneCardsKeyFromTheToken) {
  const std::string serial = "0102030405060708090A0B0C", file = data_ + "-card.key";
  std::string out;
  ASSERT_EQ(run_command(kUnlockd + " card-key --serial " + serial + " --out '" + file + "'", out), 0) << out;
  EXPECT_EQ(mode_of(file), 0600u);
  // The token's derivation is the virtual card's: the key it writes is the one the card would check.
  EXPECT_EQ(from_hex(slurp(file)), vcard::diversify_unblock_key(master_key(), from_hex(serial)));
  EXPECT_EQ(out.find(to_hex(from_hex(slurp(file))).substr(0, 16)), std::string::npos) << out;
  EXPECT_NE(run_command(kUnlockd + " card-key --serial " + serial + " --out '" + file + "'", out), 0);  // no overwrite
  // The personalisation step takes that file: the card then holds the token's key, and the service unlocks it.
  const std::string vcard_cmd = std::string(AKIS_VCARD_BIN) + " personalise --ca-dir '" + temp_dir() + "/ca' ";
  const std::string state = data_ + "-card.json";
  ASSERT_EQ(run_command(vcard_cmd + "--serial " + serial + " --card-key '" + file + "' --out '" + state + "'", out), 0) << out;
  EXPECT_EQ(vcard::load(state).auth_key(1)->secret, from_hex(slurp(file)));
  EXPECT_NE(run_command(vcard_cmd + "--card-key '" + file + "' --out '" + state + ".2'", out), 0);  // which serial?
  EXPECT_NE(out.find("--serial"), std::string::npos) << out;
  std::ofstream(data_ + "-bad.key") << "00112233\n";
  EXPECT_NE(run_command(vcard_cmd + "--serial " + serial + " --card-key '" + data_ + "-bad.key' --out '" + state + ".3'", out), 0);
  EXPECT_EQ(out.find("00112233"), std::string::npos) << out;  // never the content
  std::string blocked = insert_state(vcard::load(state));
  admin("enrol --username ayse --card-state '" + blocked + "'");
  for (int i = 0; i < 3; ++i)
    run_command("printf '000000\\n11223344\\n11223344\\n' | " + kAkis + " --yes --pin-fd 0 pin change", out);
  ASSERT_EQ(vcard::load(blocked).pin(0x81)->tries_left, 0);
  start_service();
  ASSERT_EQ(unlock(code_for("ayse", "parola-ayse"), "24681357", out), 0) << out;
  EXPECT_EQ(vcard::load(blocked).pin(0x81)->value, to_bytes("24681357"));
}

TEST_F(Unlock, AnOldDatabaseLosesItsPlaintextKeys) {
  std::string db = data_ + "/unlock.db";
  Bytes legacy_key(32);
  for (std::size_t i = 0; i < legacy_key.size(); ++i) legacy_key[i] = static_cast<std::uint8_t>(0xA0 + i);
  sql(db, "ALTER TABLE cards ADD COLUMN unblock_key BLOB; INSERT INTO cards VALUES ('0102030405060708090A0B0C', 1, "
          "'active', X'" + to_hex(legacy_key) + "');");
  ASSERT_TRUE(contains(slurp(db) + slurp(db + "-wal"), legacy_key));  // the state of a database before issue 13
  admin("set-status --serial 0102030405060708090A0B0C --status suspended");
  EXPECT_FALSE(contains(slurp(db) + slurp(db + "-wal"), legacy_key));
  EXPECT_EQ(sql(db, "SELECT count(*) FROM pragma_table_info('cards') WHERE name = 'unblock_key'; "
                    "SELECT status FROM cards;"),
            "0\nsuspended\n");
}

TEST_F(Unlock, DataFilesAreTheOwnersOnlyAndLooseModesStopTheService) {
  start_service();
  code_for("ayse", "parola-ayse");
  EXPECT_EQ(mode_of(data_), 0700u);
  for (const char* f : {"/unlock.db", "/unlock.db-wal", "/unlock.db-shm", "/server-secret.hex", "/tls-key.pem"})
    EXPECT_EQ(mode_of(data_ + f), 0600u) << f;
  service_.reset();
  std::string out;
  ::chmod(data_.c_str(), 0755);
  EXPECT_EQ(run_command("timeout 20 " + kUnlockd + " serve --data '" + data_ + "' --port " + std::to_string(kPort), out), 1);
  EXPECT_NE(out.find("accessible to other users"), std::string::npos) << out;
  ::chmod(data_.c_str(), 0700);
  ::chmod((data_ + "/unlock.db").c_str(), 0644);
  EXPECT_EQ(run_command("timeout 20 " + kUnlockd + " serve --data '" + data_ + "' --port " + std::to_string(kPort), out), 1);
  EXPECT_NE(out.find("readable by other users"), std::string::npos) << out;
}

TEST_F(Unlock, MasterKeyFilesNeverShowTheirContentAndEmptyOrShortKeysAreRefused) {
  std::string hex = to_hex(master_key()), dir = data_ + "-hsm2", out;
  init_token(dir);
  auto import = [&](const std::string& content) {
    std::ofstream(dir + "/m.hex", std::ios::binary | std::ios::trunc) << content;
    ::chmod((dir + "/m.hex").c_str(), 0600);
    return run_command(kUnlockd + " import-master --issuer-master '" + dir + "/m.hex'", out);
  };
  EXPECT_NE(import(""), 0);
  EXPECT_NE(out.find("empty"), std::string::npos) << out;
  EXPECT_NE(import("00112233445566778899aabbccddeeff\n"), 0);  // 16 bytes
  EXPECT_NE(import(hex + "zz\r\n"), 0);
  EXPECT_EQ(out.find(hex.substr(0, 16)), std::string::npos) << "the error shows the key: " << out;
  EXPECT_EQ(import(hex + "\r\n"), 0) << out;  // CRLF, as written on Windows
  EXPECT_EQ(out.find(hex.substr(0, 16)), std::string::npos) << out;
  EXPECT_NE(import(hex + "\n"), 0);  // once only
  // A master key file other users can read is refused.
  ::chmod((dir + "/m.hex").c_str(), 0644);
  EXPECT_NE(run_command(kUnlockd + " import-master --issuer-master '" + dir + "/m.hex'", out), 0);
  EXPECT_NE(out.find("readable by other users"), std::string::npos) << out;
}

TEST_F(Unlock, ReEnrollingNeitherRevivesARevokedCardNorMovesItToAnotherAccount) {
  std::string state = insert(Variant::Post2011), out;
  std::string serial = to_hex(vcard::load(state).serial), db = data_ + "/unlock.db";
  admin("enrol --username ayse --card-state '" + state + "'");
  admin("set-status --serial " + serial + " --status revoked");
  std::string enrol = kUnlockd + " enrol --data '" + data_ + "' --card-state '" + state + "' --username ";
  EXPECT_NE(run_command(enrol + "ayse", out), 0);
  EXPECT_NE(out.find("revoked"), std::string::npos) << out;
  EXPECT_NE(run_command(enrol + "mehmet", out), 0);
  EXPECT_NE(out.find("another account"), std::string::npos) << out;
  EXPECT_EQ(sql(db, "SELECT a.username, c.status FROM cards c JOIN accounts a ON a.id = c.account_id;"), "ayse|revoked\n");
  EXPECT_EQ(run_command(enrol + "mehmet --force", out), 0) << out;  // explicit, keeps the status, audited
  EXPECT_EQ(sql(db, "SELECT a.username, c.status FROM cards c JOIN accounts a ON a.id = c.account_id;"), "mehmet|revoked\n");
  EXPECT_EQ(sql(db, "SELECT count(*) FROM audit WHERE event = 'card_reenrolled';"), "1\n");
}

// A service that answers `check` and then whatever `authorize` answer the test gives it.
class RogueService {
 public:
  RogueService(const std::string& dir, std::string answer) : answer_(std::move(answer)) {
    std::string out;
    run_command("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=rogue -days 1 "
                "-addext subjectAltName=IP:127.0.0.1 -keyout '" + dir + "/rogue-key.pem' -out '" + dir +
                    "/rogue-cert.pem'",
                out);
    server_ = std::make_unique<httplib::SSLServer>((dir + "/rogue-cert.pem").c_str(), (dir + "/rogue-key.pem").c_str());
    server_->Post("/api/v1/unlock/check", [](const httplib::Request&, httplib::Response& r) {
      r.set_content(R"({"expires_in": 300})", "application/json");
    });
    server_->Post("/api/v1/unlock/authorize", [this](const httplib::Request&, httplib::Response& r) {
      ++authorize_calls;
      r.set_content(answer_, "application/json");
    });
    server_->bind_to_port("127.0.0.1", kPort);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  ~RogueService() {
    server_->stop();
    thread_.join();
  }
  std::atomic<int> authorize_calls{0};

 private:
  std::string answer_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
};

TEST_F(Unlock, ARogueServiceCannotSpendTheCardsIssuerKeyTries) {
  std::string state = blocked_card(), out;
  const std::string unlock_cmd = "printf '123456789012345\\n24681357\\n24681357\\n' | LANG=C.UTF-8 LANGUAGE= " + kAkis +
                                 " --pin-fd 0 unlock --ca-file '" + data_ + "/rogue-cert.pem' --service ";
  for (std::string bad : {R"({})", R"({"cryptogram": ""})", R"({"cryptogram": 7})", R"({"cryptogram": "0011"})",
                          R"({"cryptogram": "zz"})", "not json"}) {
    RogueService rogue(data_, bad);
    EXPECT_EQ(run_command(unlock_cmd + "https://127.0.0.1:" + std::to_string(kPort), out), 26) << bad << out;
    EXPECT_NE(out.find("nothing was sent to the card"), std::string::npos) << bad << ": " << out;
    EXPECT_EQ(vcard::load(state).auth_key(1)->tries_left, 10) << bad;
  }
  RogueService rogue(data_, R"({"cryptogram": ")" + std::string(64, '0') + "\"}");
  EXPECT_EQ(run_command(unlock_cmd + "https://127.0.0.1:" + std::to_string(kPort), out), 26) << out;
  EXPECT_NE(out.find("The card refused the unlock service's authorisation"), std::string::npos) << out;
  EXPECT_NE(out.find("The card accepts 9 more refused unlock authorisations."), std::string::npos) << out;  // 63 C9
  EXPECT_EQ(out.find("blocked"), std::string::npos) << out;
  EXPECT_EQ(rogue.authorize_calls, 1);  // one try spent, no retry
  EXPECT_EQ(vcard::load(state).auth_key(1)->tries_left, 9);
  EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
  // Plain HTTP is refused before anything is sent.
  EXPECT_EQ(run_command(unlock_cmd + "http://127.0.0.1:" + std::to_string(kPort), out), 1) << out;
  EXPECT_NE(out.find("must start with https://"), std::string::npos) << out;
  EXPECT_EQ(rogue.authorize_calls, 1);
}

TEST_F(Unlock, TheIssuerKeyCounterIsShownAndItsLastTriesAreKept) {
  vcard::CardState st = card_state(Variant::Post2011);
  st.auth_key(1)->tries_left = 3;
  std::string state = insert_state(st), out;
  admin("enrol --username ayse --card-state '" + state + "'");
  start_service();
  std::string code = code_for("ayse", "parola-ayse");
  // 3 left: shown, and one attempt is made (the right cryptogram: the counter goes back to 10).
  ASSERT_EQ(unlock(code, "24681357", out), 0) << out;
  EXPECT_NE(out.find("The card accepts 3 more refused unlock authorisations."), std::string::npos) << out;
  EXPECT_EQ(vcard::load(state).auth_key(1)->tries_left, 10);
  cards_.clear();
  wait_for_card(Pcscd::kReader0, false);
  // 2 left: akis stops before asking for a PIN or using the code; the card and the code are untouched.
  st.auth_key(1)->tries_left = 2;
  state = insert_state(st);
  code = code_for("ayse", "parola-ayse");
  EXPECT_EQ(unlock(code, "24681357", out), 26) << out;
  EXPECT_NE(out.find("accepts only 2 more refused unlock authorisations"), std::string::npos) << out;
  EXPECT_EQ(vcard::load(state).auth_key(1)->tries_left, 2);
  int status = 0;
  post("/api/v1/unlock/check", json{{"code", code}}.dump(), &status);
  EXPECT_EQ(status, 200) << "the code was spent";
  // In Turkish too.
  EXPECT_EQ(unlock(code, "24681357", out, "tr_TR.UTF-8"), 26) << out;
  EXPECT_NE(out.find("yalnızca 2 reddedilen"), std::string::npos) << out;
}

}  // namespace
