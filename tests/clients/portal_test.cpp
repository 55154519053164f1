// SPDX-License-Identifier: LGPL-2.1-or-later
// The portal page in Debian's headless Chromium, driven through chromedriver (W3C WebDriver): sign in,
// get a code, watch the countdown, get a new code; the old code is then refused by the service. E-Onay: the page
// shows the text and a code, a signature made with openssl over that text arrives, the page says "E-Onay given",
// the holder withdraws it.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cards.hpp"
#include "processes.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr int kServicePort = 18444, kDriverPort = 19515;
const char* kElement = "element-6066-11e4-a52e-4f735466cecf";

class Browser {
 public:
  explicit Browser(const std::string& profile_dir) : http_("127.0.0.1", kDriverPort) {
    http_.set_read_timeout(60, 0);
    json chrome_options = {
        {"binary", "/usr/bin/chromium"},
        {"args", {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1000,900", "--user-data-dir=" + profile_dir}}};
    json always = {{"browserName", "chrome"},
                   {"acceptInsecureCerts", true},  // the service's demo certificate is self-signed
                   {"goog:chromeOptions", chrome_options}};
    json caps = {{"capabilities", {{"alwaysMatch", always}}}};
    json r = call("POST", "/session", caps);
    session_ = r["value"]["sessionId"];
  }
  ~Browser() {
    if (!session_.empty()) call("DELETE", "/session/" + session_, nullptr);
  }
  json call(const std::string& method, const std::string& path, const json& body) {
    httplib::Result r = method == "GET"      ? http_.Get(path.c_str())
                        : method == "DELETE" ? http_.Delete(path.c_str())
                                             : http_.Post(path.c_str(), body.dump(), "application/json");
    if (!r) throw std::runtime_error("chromedriver did not answer " + path);
    json j = json::parse(r->body, nullptr, false);
    if (r->status != 200) throw std::runtime_error("WebDriver " + path + ": " + r->body.substr(0, 300));
    return j;
  }
  void go(const std::string& url) { call("POST", "/session/" + session_ + "/url", {{"url", url}}); }
  std::string find(const std::string& css) {
    return call("POST", "/session/" + session_ + "/element", {{"using", "css selector"}, {"value", css}})["value"][kElement];
  }
  void type(const std::string& css, const std::string& text) {
    call("POST", "/session/" + session_ + "/element/" + find(css) + "/value", {{"text", text}});
  }
  void click(const std::string& css) { call("POST", "/session/" + session_ + "/element/" + find(css) + "/click", json::object()); }
  std::string text(const std::string& css) {
    return call("GET", "/session/" + session_ + "/element/" + find(css) + "/text", nullptr)["value"];
  }
  bool displayed(const std::string& css) {
    return call("GET", "/session/" + session_ + "/element/" + find(css) + "/displayed", nullptr)["value"];
  }
  // Waits until the element is shown (and, when given, its text is not `not_text`).
  bool wait_for(const std::string& css, const std::string& not_text = "\x01") {
    for (int i = 0; i < 100; ++i) {
      try {
        if (displayed(css) && text(css) != not_text) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  void screenshot(const std::string& path) {
    std::string b64 = call("GET", "/session/" + session_ + "/screenshot", nullptr)["value"];
    std::string png;
    png.resize(b64.size());
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(png.data()), reinterpret_cast<const unsigned char*>(b64.data()),
                            static_cast<int>(b64.size()));
    png.resize(static_cast<std::size_t>(std::max(0, n)));
    std::ofstream(path, std::ios::binary) << png;
  }

 private:
  httplib::Client http_;
  std::string session_;
};

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
    // E-Onay: a test CA and the holder's certificate (subject serialNumber: her T.C. Kimlik No), made by openssl.
    ASSERT_EQ(run_command("cd '" + dir_ + "' && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem "
                          "-subj '/CN=Test E-Onay CA' -days 10 && openssl req -newkey rsa:2048 -nodes -keyout holder.key "
                          "-out holder.csr -subj '/CN=AYSE GUL YILDIRIM/serialNumber=10000000146' && openssl x509 -req "
                          "-in holder.csr -CA ca.pem -CAkey ca.key -set_serial 7 -days 5 -out holder.pem 2>&1",
                          out),
              0)
        << out;
    service_ = std::make_unique<Process>(std::vector<std::string>{AKIS_UNLOCKD_BIN, "serve", "--data", dir_, "--port",
                                                                  std::to_string(kServicePort), "--web-dir", AKIS_WEB_DIR,
                                                                  "--eonay-ca", dir_ + "/ca.pem"},
                                         dir_ + "/service.log");
    driver_ = std::make_unique<Process>(std::vector<std::string>{"chromedriver", "--port=" + std::to_string(kDriverPort)},
                                        dir_ + "/chromedriver.log");
    for (int i = 0; i < 100; ++i) {
      httplib::Client d("127.0.0.1", kDriverPort);
      if (auto r = d.Get("/status"); r && std::filesystem::exists(dir_ + "/tls-cert.pem")) return;
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
  Browser b(dir_ + "/chromium-profile");
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

TEST_F(Portal, EonayShownSignedAndWithdrawn) {
  Browser b(dir_ + "/chromium-profile-eonay");
  b.go("https://127.0.0.1:" + std::to_string(kServicePort) + "/?lang=en");
  ASSERT_TRUE(b.wait_for("#login-form"));
  b.type("#username", "ayse");
  b.type("#password", "parola-ayse");
  b.click("#login-button");
  ASSERT_TRUE(b.wait_for("#eonay-status", ""));
  EXPECT_EQ(b.text("#eonay-status"), "No E-Onay given.");
  EXPECT_FALSE(b.displayed("#eonay-withdraw"));
  b.click("#eonay-get");
  ASSERT_TRUE(b.wait_for("#eonay-code", ""));
  std::string code = b.text("#eonay-code");
  EXPECT_EQ(code.size(), 15u);
  EXPECT_EQ(b.text("#eonay-text").rfind("E-APPROVAL COMMITMENT", 0), 0u) << b.text("#eonay-text");
  // The holder's tool: the text for the code, signed (here by openssl with the holder's test key), posted.
  auto [st, text] = call("/api/v1/eonay/text", {{"code", code}});
  ASSERT_EQ(st, 200) << text.dump();
  std::ofstream(dir_ + "/doc.txt", std::ios::binary) << text["document"].get<std::string>();
  std::string out;
  ASSERT_EQ(run_command("cd '" + dir_ + "' && openssl cms -sign -binary -nodetach -md sha256 -in doc.txt -signer "
                        "holder.pem -inkey holder.key -outform DER -out sig.der && xxd -p sig.der | tr -d '\n'",
                        out),
            0)
      << out;
  auto [st2, approved] = call("/api/v1/eonay/approve", {{"code", code}, {"signature", out}});
  ASSERT_EQ(st2, 200) << approved.dump();
  EXPECT_EQ(approved.value("cert_serial", ""), "07");
  for (int i = 0; i < 50 && b.text("#eonay-status").rfind("E-Onay given", 0) != 0; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(b.text("#eonay-status").rfind("E-Onay given: ", 0), 0u) << b.text("#eonay-status");
  EXPECT_FALSE(b.displayed("#eonay-box"));
  b.click("#lang-tr");
  EXPECT_EQ(b.text("#eonay-status").rfind("E-Onay verildi: ", 0), 0u) << b.text("#eonay-status");
  EXPECT_EQ(b.text("#eonay-withdraw"), "Daha önce vermiş olduğum E-Onayı kaldırmak istiyorum");
  b.click("#eonay-withdraw");
  for (int i = 0; i < 50 && b.text("#eonay-status") != "E-Onay verilmedi."; ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(b.text("#eonay-status"), "E-Onay verilmedi.");
  EXPECT_FALSE(b.displayed("#eonay-withdraw"));
}

}  // namespace
