// SPDX-License-Identifier: LGPL-2.1-or-later
// Debian's headless Chromium driven through chromedriver (W3C WebDriver), for the tests of the service's portal
// page: start chromedriver, open a session, go to a page, find, type, click, read text, take a screenshot.
#pragma once

#include <httplib.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>

#include "processes.hpp"

namespace akis::test {

// chromedriver on `port`, its log in `log`; nullptr when it does not answer within 10 s.
inline std::unique_ptr<Process> start_chromedriver(int port, const std::string& log) {
  auto p = std::make_unique<Process>(std::vector<std::string>{"chromedriver", "--port=" + std::to_string(port)}, log);
  for (int i = 0; i < 100; ++i) {
    httplib::Client d("127.0.0.1", port);
    if (auto r = d.Get("/status"); r && r->status == 200) return p;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return nullptr;
}

class Browser {
 public:
  using json = nlohmann::json;
  Browser(const std::string& profile_dir, int driver_port) : http_("127.0.0.1", driver_port) {
    http_.set_read_timeout(60, 0);
    json chrome_options = {
        {"binary", "/usr/bin/chromium"},
        {"args", {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1000,900", "--user-data-dir=" + profile_dir}}};
    json always = {{"browserName", "chrome"},
                   {"acceptInsecureCerts", true},  // the service's demo certificate is self-signed
                   {"goog:chromeOptions", chrome_options}};
    json r = call("POST", "/session", {{"capabilities", {{"alwaysMatch", always}}}});
    session_ = r["value"]["sessionId"];
  }
  ~Browser() {
    try {
      if (!session_.empty()) call("DELETE", "/session/" + session_, nullptr);
    } catch (const std::exception&) {
    }
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

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
  void reload() { call("POST", "/session/" + session_ + "/refresh", json::object()); }
  std::string find(const std::string& css) {
    return call("POST", "/session/" + session_ + "/element", {{"using", "css selector"}, {"value", css}})["value"][kElement];
  }
  void type(const std::string& css, const std::string& text) {
    call("POST", "/session/" + session_ + "/element/" + find(css) + "/value", {{"text", text}});
  }
  void click(const std::string& css) {
    call("POST", "/session/" + session_ + "/element/" + find(css) + "/click", json::object());
  }
  std::string text(const std::string& css) {
    return call("GET", "/session/" + session_ + "/element/" + find(css) + "/text", nullptr)["value"];
  }
  bool displayed(const std::string& css) {
    return call("GET", "/session/" + session_ + "/element/" + find(css) + "/displayed", nullptr)["value"];
  }
  // Waits up to 10 s until the element is shown (and, when given, its text is not `not_text`).
  bool wait_for(const std::string& css, const std::string& not_text = "\x01") {
    for (int i = 0; i < 100; ++i) {
      try {
        if (displayed(css) && text(css) != not_text) return true;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // Waits up to `seconds` until the element's text starts with `prefix`; returns the last text read.
  std::string wait_for_text(const std::string& css, const std::string& prefix, int seconds = 10) {
    std::string last;
    for (int i = 0; i < seconds * 10; ++i) {
      try {
        last = text(css);
        if (last.rfind(prefix, 0) == 0) break;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return last;
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
  static constexpr const char* kElement = "element-6066-11e4-a52e-4f735466cecf";
  httplib::Client http_;
  std::string session_;
};

}  // namespace akis::test
