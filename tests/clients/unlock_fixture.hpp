// SPDX-License-Identifier: LGPL-2.1-or-later
// The unlock tests' fixture: a data directory and an issuer token (SoftHSM2) per test, the service started as a
// process, `akis unlock` run as the holder runs it.
#pragma once

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "akis/card.hpp"
#include "akis/pcsc.hpp"
#include "host_env.hpp"
#include "pcsc_fixture.hpp"

namespace akis::test {

using nlohmann::json;
using namespace std::chrono_literals;


inline const std::string kAkis = AKIS_CLI_BIN;
inline const std::string kUnlockd = AKIS_UNLOCKD_BIN;
inline constexpr int kPort = 18443;

class Unlock : public PcscTest {
 protected:
  void SetUp() override {
    data_ = temp_dir() + "/unlockd-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(data_);
    std::filesystem::remove_all(data_ + "-hsm");
    card_state(Variant::Post2011);  // makes the issuer master key file when it is missing
    init_token(data_ + "-hsm");
    std::string out;
    ASSERT_EQ(run_command(kUnlockd + " import-master --issuer-master '" + issuer_master_path() + "'", out), 0) << out;
    admin("add-account --username ayse --name 'Ayşe Gül Yıldırım'", "parola-ayse");
    admin("add-account --username mehmet --name 'Mehmet Demir'", "parola-mehmet");
  }
  void TearDown() override {
    service_.reset();
    PcscTest::TearDown();
  }
  // A SoftHSM2 token of this test: the service finds it through SOFTHSM2_CONF, its PIN in AKIS_UNLOCKD_TOKEN_PIN.
  static void init_token(const std::string& dir) {
    std::filesystem::create_directories(dir + "/tokens");
    std::ofstream(dir + "/softhsm2.conf") << "directories.tokendir = " << dir << "/tokens\nobjectstore.backend = file\n";
    ::setenv("SOFTHSM2_CONF", (dir + "/softhsm2.conf").c_str(), 1);
    ::setenv("AKIS_UNLOCKD_TOKEN_PIN", "87654321", 1);
    std::string out;
    ASSERT_EQ(run_command("softhsm2-util --init-token --free --label akis-unlock --so-pin 12345678 --pin 87654321", out), 0)
        << out;
  }
  void admin(const std::string& args, const std::string& password = "") {
    std::string out;
    std::string env = password.empty() ? "" : "AKIS_UNLOCKD_PASSWORD='" + password + "' ";
    ASSERT_EQ(run_command(env + kUnlockd + " " + args.substr(0, args.find(' ')) + " --data '" + data_ + "'" +
                              args.substr(args.find(' ')),
                          out),
              0)
        << out;
  }
  void start_service(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {kUnlockd, "serve", "--data", data_, "--port", std::to_string(kPort),
                                     "--web-dir", AKIS_WEB_DIR};
    argv.insert(argv.end(), extra.begin(), extra.end());
    service_ = std::make_unique<Process>(argv, data_ + "/service.log");
    for (int i = 0; i < 200; ++i) {
      if (std::filesystem::exists(data_ + "/tls-cert.pem")) {
        auto r = client().Get("/api/portal/me");
        if (r) return;
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "the unlock service did not start";
  }
  httplib::Client client() {
    httplib::Client c("https://127.0.0.1:" + std::to_string(kPort));
    c.enable_server_certificate_verification(true);
    c.set_ca_cert_path((data_ + "/tls-cert.pem").c_str());
    c.set_connection_timeout(5, 0);
    if (!source_.empty()) c.set_interface(source_);  // another loopback address: another client network
    return c;
  }
  json post(const std::string& path, const std::string& body, int* status = nullptr,
            const std::string& cookie_header = "") {
    auto c = client();
    httplib::Headers h;
    if (!cookie_header.empty()) h.emplace("Cookie", cookie_header);
    auto r = c.Post(path.c_str(), h, body, "application/json");
    if (!r) {
      ADD_FAILURE() << "no answer from " << path;
      return {};
    }
    if (status) *status = r->status;
    return json::parse(r->body, nullptr, false);
  }
  // Signs in on the portal and asks for a verification code, as the holder's browser does.
  std::string code_for(const std::string& user, const std::string& password) {
    auto c = client();
    auto login = c.Post("/api/portal/login", json{{"username", user}, {"password", password}}.dump(), "application/json");
    EXPECT_TRUE(login && login->status == 200);
    std::string cookie = login->get_header_value("Set-Cookie");
    cookie = cookie.substr(0, cookie.find(';'));
    int status = 0;
    json j = post("/api/portal/code", "{}", &status, cookie);
    EXPECT_EQ(status, 200) << j.dump();
    return j.value("code", "");
  }
  // A post-2011 card enrolled for `owner`, with its PIN blocked by three wrong entries.
  std::string blocked_card(const std::string& owner = "ayse", bool enrol = true) {
    std::string state = insert(Variant::Post2011);
    if (enrol) admin("enrol --username " + owner + " --card-state '" + state + "'");
    std::string out;
    for (int i = 0; i < 3; ++i)
      run_command("printf '000000\\n11223344\\n11223344\\n' | " + kAkis + " --yes --pin-fd 0 pin change", out);
    EXPECT_EQ(vcard::load(state).pin(0x81)->tries_left, 0);
    return state;
  }
  int unlock(const std::string& code, const std::string& new_pin, std::string& out, const std::string& lang = "C.UTF-8") {
    return run_command("printf '" + code + "\\n" + new_pin + "\\n" + new_pin + "\\n' | LANG=" + lang + " LANGUAGE= " +
                           kAkis + " --pin-fd 0 unlock --service https://127.0.0.1:" + std::to_string(kPort) +
                           " --ca-file '" + data_ + "/tls-cert.pem'",
                       out);
  }

  std::string data_;
  std::string source_;  // the client's source address (empty: the system's choice, 127.0.0.1)
  std::unique_ptr<Process> service_;
};

}  // namespace akis::test
