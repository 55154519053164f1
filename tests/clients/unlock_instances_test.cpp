// SPDX-License-Identifier: LGPL-2.1-or-later
// Several service instances on one database (issue 13, point 6): a code presented to three instances at once is
// spent exactly once, on SQLite and on PostgreSQL; the rate limits are counted in the shared database, so they hold
// across instances; the PostgreSQL store serves a whole unlock and holds no key. PostgreSQL is a real server the
// test starts (unlock_postgres.hpp).
#include <latch>

#include "personalise.hpp"
#include "unlock_fixture.hpp"
#include "unlock_postgres.hpp"

using namespace akis;
using namespace akis::test;

namespace {

constexpr const char* kSerial = "0102030405060708090A0B0C";

class Instances : public Unlock {
 protected:
  // Accounts and one card in `database` (the fixture made the SQLite ones already).
  void prepare(const std::string& database) {
    if (!database.empty()) {
      admin("add-account --database '" + database + "' --username ayse --name 'Ayşe Gül Yıldırım'", "parola-ayse");
      admin("add-account --database '" + database + "' --username mehmet --name 'Mehmet Demir'", "parola-mehmet");
    }
    admin("enrol --username ayse --serial " + std::string(kSerial) + db_arg(database));
  }
  static std::string db_arg(const std::string& database) {
    return database.empty() ? "" : " --database '" + database + "'";
  }
  // Instance 0 is the fixture's service on kPort (the portal the holder uses); 1 and 2 follow on the next ports.
  void start_instances(const std::string& database, std::vector<std::string> extra) {
    if (!database.empty()) extra.insert(extra.end(), {"--database", database});
    start_service(extra);
    for (int i = 1; i < 3; ++i) {
      std::vector<std::string> argv = {kUnlockd, "serve", "--data", data_, "--port", std::to_string(kPort + i)};
      argv.insert(argv.end(), extra.begin(), extra.end());
      more_.push_back(std::make_unique<Process>(argv, data_ + "/service" + std::to_string(i) + ".log"));
      bool up = false;
      for (int t = 0; t < 200 && !up; ++t) {
        up = static_cast<bool>(client_of(i).Get("/api/portal/me"));
        if (!up) std::this_thread::sleep_for(50ms);
      }
      ASSERT_TRUE(up) << "instance " << i << " did not start";
    }
  }
  httplib::Client client_of(int instance) {
    httplib::Client c("https://127.0.0.1:" + std::to_string(kPort + instance));
    c.enable_server_certificate_verification(true);
    c.set_ca_cert_path((data_ + "/tls-cert.pem").c_str());
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(20, 0);
    return c;
  }
  void TearDown() override {
    more_.clear();
    Unlock::TearDown();
  }

  // 16 concurrent redemptions of one fresh code, spread over the three instances, `trials` times.
  void single_use_trials(const std::string& database, int trials) {
    prepare(database);
    ASSERT_NO_FATAL_FAILURE(start_instances(database, {"--max-codes-per-account", "100000", "--max-failures-per-address",
                                                       "100000", "--max-failures-per-card", "100000"}));
    auto login = client().Post("/api/portal/login", json{{"username", "ayse"}, {"password", "parola-ayse"}}.dump(),
                               "application/json");
    ASSERT_TRUE(login && login->status == 200);
    std::string cookie = login->get_header_value("Set-Cookie");
    cookie = cookie.substr(0, cookie.find(';'));
    for (int trial = 0; trial < trials; ++trial) {
      int status = 0;
      json issued = post("/api/portal/code", json{{"serial", kSerial}}.dump(), &status, cookie);
      ASSERT_EQ(status, 200) << issued.dump();
      const std::string body = json{{"code", issued["code"]}, {"serial", kSerial}, {"challenge", "0011223344556677"}}.dump();
      std::vector<int> answers(16, 0);
      std::latch go(16);
      std::vector<std::thread> threads;
      for (int i = 0; i < 16; ++i)
        threads.emplace_back([&, i] {
          auto c = client_of(i % 3);
          c.Get("/api/portal/me");  // connected and handshaken before the race starts
          go.arrive_and_wait();
          auto r = c.Post("/api/v1/unlock/authorize", body, "application/json");
          answers[static_cast<std::size_t>(i)] = r ? r->status : -1;
        });
      for (auto& t : threads) t.join();
      std::string seen;
      for (int a : answers) seen += std::to_string(a) + " ";
      EXPECT_EQ(std::count(answers.begin(), answers.end(), 200), 1) << "trial " << trial << ": " << seen;
      // The others: code_used, never a 500 (a failed transaction) or no answer.
      EXPECT_EQ(std::count(answers.begin(), answers.end(), 409), 15) << "trial " << trial << ": " << seen;
    }
  }

  std::vector<std::unique_ptr<Process>> more_;
};

TEST_F(Instances, OneCodeIsSpentOnceByThreeInstancesOnSqlite) { single_use_trials("", 50); }

TEST_F(Instances, OneCodeIsSpentOnceByThreeInstancesOnPostgres) {
  PostgresServer pg;
  single_use_trials(pg.database(), 50);
  more_.clear();
  service_.reset();
  // Exactly one authorisation per code in the shared database: 50 codes, 50 authorised, all spent.
  EXPECT_EQ(pg.sql("SELECT count(*) FROM audit WHERE event = 'unlock_authorized'"), "50\n");
  EXPECT_EQ(pg.sql("SELECT count(*) FROM codes WHERE used_at IS NOT NULL"), "50\n");
}

TEST_F(Instances, RateLimitsAreSharedByTheInstancesOnPostgres) {
  PostgresServer pg;
  prepare(pg.database());
  ASSERT_NO_FATAL_FAILURE(start_instances(pg.database(), {"--max-failures-per-address", "6"}));
  const std::string wrong = R"({"code": "111111111111111"})";
  for (int i = 0; i < 6; ++i) {  // two guesses at each instance: none alone reaches the limit of 6
    auto r = client_of(i % 3).Post("/api/v1/unlock/check", wrong, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << "guess " << i;
  }
  for (int i = 0; i < 3; ++i) {
    auto r = client_of(i).Post("/api/v1/unlock/check", wrong, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429) << "instance " << i << " did not see the other instances' refusals";
  }
  EXPECT_EQ(pg.sql("SELECT count(*) FROM audit WHERE event = 'code_refused'"), "6\n");
}

TEST_F(Instances, APostgresStoreUnlocksACardAndHoldsNoKey) {
  PostgresServer pg;
  prepare(pg.database());
  std::string state = insert(Variant::Post2011);
  admin("enrol --username ayse --card-state '" + state + "'" + db_arg(pg.database()));
  std::string out;
  for (int i = 0; i < 3; ++i)
    run_command("printf '000000\\n11223344\\n11223344\\n' | " + kAkis + " --yes --pin-fd 0 pin change", out);
  ASSERT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
  start_service({"--database", pg.database()});
  ASSERT_EQ(unlock(code_for("ayse", "parola-ayse"), "24681357", out), 0) << out;
  EXPECT_EQ(vcard::load(state).pin(0x81)->value, to_bytes("24681357"));
  EXPECT_EQ(pg.sql("SELECT count(*) FROM audit WHERE event = 'unlock_authorized'"), "1\n");
  // No key in any of the server's files (tables, WAL), as bytes or as hex.
  const Bytes k_card = vcard::load(state).auth_key(1)->secret;
  std::string upper = to_hex(k_card), lower = upper;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  service_.reset();
  pg.sql("CHECKPOINT");
  int files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(pg.dir())) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ++files;
    for (const std::string& needle : {std::string(k_card.begin(), k_card.end()), upper, lower})
      EXPECT_EQ(bytes.find(needle), std::string::npos) << e.path() << " holds the card key";
  }
  EXPECT_GT(files, 100);  // the cluster's files were read
}

}  // namespace
