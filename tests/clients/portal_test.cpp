// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal page in Debian's headless Chromium, driven through chromedriver (W3C WebDriver): sign in,
// get a code, watch the countdown, get a new code; the old code is then refused by the service. The portal's
// E-Onay part, with `akis eonay` on the virtual card, is tested end to end in eonay_test.cpp.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "browser.hpp"
#include "cards.hpp"
#include "processes.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr int kServicePort = 18444, kDriverPort = 19515;
class Portal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir() + "/portal";
    std::filesystem::remove_all(dir_);
    std::filesystem::remove_all(dir_ + "-hsm");
    std::string out;
    // The issuer token (SoftHSM2) with a master key: the service does not start without one.
    std::string hsm = dir_ + "-hsm";
    std::filesystem::create_directories(hsm + "/tokens");
    std::ofstream(hsm + "/softhsm2.conf") << "directories.tokendir = " << hsm << "/tokens\n";
    ::setenv("SOFTHSM2_CONF", (hsm + "/softhsm2.conf").c_str(), 1);
    ::setenv("AKIS_UNLOCKD_TOKEN_PIN", "87654321", 1);
    ASSERT_EQ(run_command("softhsm2-util --init-token --free --label akis-unlock --so-pin 12345678 --pin 87654321 && "
                          "umask 077 && openssl rand -hex 32 > '" + hsm + "/m.hex' && " + AKIS_UNLOCKD_BIN +
                              " import-master --issuer-master '" + hsm + "/m.hex'",
                          out),
              0)
        << out;
    ASSERT_EQ(run_command("AKIS_UNLOCKD_PASSWORD=parola-ayse " + std::string(AKIS_UNLOCKD_BIN) + " add-account --data '" +
                              dir_ + "' --username ayse --name 'Ayşe Gül Yıldırım' --national-id 10000000146",
                          out),
              0)
        << out;
    service_ = std::make_unique<Process>(std::vector<std::string>{AKIS_UNLOCKD_BIN, "serve", "--data", dir_, "--port",
                                                                  std::to_string(kServicePort), "--web-dir", AKIS_WEB_DIR},
                                         dir_ + "/service.log");
    driver_ = start_chromedriver(kDriverPort, dir_ + "/chromedriver.log");
    for (int i = 0; driver_ && i < 100; ++i) {
      if (std::filesystem::exists(dir_ + "/tls-cert.pem")) return;
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "chromedriver or the service did not start";
  }
  int check(const std::string& code) { return call("/api/v1/unlock/check", json{{"code", code}}).first; }
  std::pair<int, json> call(const std::string& path, const json& body) {
    httplib::Client c("https://127.0.0.1:" + std::to_string(kServicePort));
    c.set_ca_cert_path((dir_ + "/tls-cert.pem").c_str());
    c.enable_server_certificate_verification(true);
    auto r = c.Post(path.c_str(), body.dump(), "application/json");
    if (!r) return {-1, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  std::string dir_;
  std::unique_ptr<Process> service_, driver_;
};

TEST_F(Portal, SignInGetACodeWatchTheCountdownGetANewOne) {
  Browser b(dir_ + "/chromium-profile", kDriverPort);
  const std::string url = "https://127.0.0.1:" + std::to_string(kServicePort);
  b.go(url + "/?lang=en");
  ASSERT_TRUE(b.wait_for("#login-form"));
  b.type("#username", "ayse");
  b.type("#password", "wrong-password");
  b.click("#login-button");
  ASSERT_TRUE(b.wait_for("#login-error"));
  EXPECT_EQ(b.text("#login-error"), "Wrong user name or password.");
  b.type("#password", "parola-ayse");
  b.click("#login-button");
  ASSERT_TRUE(b.wait_for("#portal"));
  EXPECT_EQ(b.text("#portal h1"), "PIN Create / Unlock");
  EXPECT_EQ(b.text("#never-share").rfind("Never tell this code to anyone", 0), 0u) << b.text("#never-share");
  EXPECT_EQ(b.text("#no-history"), "Nothing yet.");
  EXPECT_FALSE(b.displayed("#card-choice"));  // no enrolled card: nothing to choose
  b.click("#get-code");
  ASSERT_TRUE(b.wait_for("#code", ""));
  std::string first = b.text("#code");
  EXPECT_EQ(first.size(), 15u);
  int t0 = std::stoi(b.text("#countdown"));
  EXPECT_GT(t0, 290);
  EXPECT_LE(t0, 300);
  std::this_thread::sleep_for(2500ms);
  int t1 = std::stoi(b.text("#countdown"));
  EXPECT_LE(t1, t0 - 2);  // the countdown runs
  EXPECT_EQ(check(first), 200);
  // Turkish, with the wording card holders know.
  b.click("#lang-tr");
  EXPECT_EQ(b.text("#new-code"), "Tekrar Kod Al");
  EXPECT_EQ(b.text("#portal h1"), "PIN Oluşturma / Kilit Çözme");
  EXPECT_EQ(b.text("#never-share").rfind("Bu kodu kimseyle paylaşmayınız", 0), 0u) << b.text("#never-share");
  b.screenshot(dir_ + "/portal.png");
  b.click("#new-code");
  ASSERT_TRUE(b.wait_for("#code", first));
  std::string second = b.text("#code");
  EXPECT_NE(second, first);
  EXPECT_EQ(check(first), 410);  // the old code no longer works
  EXPECT_EQ(check(second), 200);
  EXPECT_GT(std::filesystem::file_size(dir_ + "/portal.png"), 10000u);
  // AKIS_KEEP_SCREENSHOT=/path keeps the picture of the portal for a person to look at.
  if (const char* keep = std::getenv("AKIS_KEEP_SCREENSHOT"))
    std::filesystem::copy_file(dir_ + "/portal.png", keep, std::filesystem::copy_options::overwrite_existing);
}

}  // namespace
