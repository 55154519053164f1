// SPDX-License-Identifier: LGPL-2.1-or-later
// Load client for the unlock service (bench/run_unlock_bench.sh runs it against 1 and 3 instances, with and
// without attackers). N client threads, each with a keep-alive TLS connection to one of the given ports (round
// robin), for S seconds:
//   check      POST /api/v1/unlock/check with a wrong code (a refusal: one committed audit row)
//   authorize  per iteration: a new code on the portal (client i signs in as user<i>, card serial <i>) and its
//              POST /api/v1/unlock/authorize (a cryptogram from the issuer token)
// Prints one line: mode, clients, ports, requests/s, p50 and p99 latency in ms, errors.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

std::string serial_of(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%024X", i + 1);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: unlock_load check|authorize CLIENTS SECONDS CA_FILE PORT...\n");
    return 2;
  }
  const std::string mode = argv[1];
  const int clients = std::atoi(argv[2]);
  const auto length = std::chrono::seconds(std::atoi(argv[3]));
  const std::string ca = argv[4];
  std::vector<int> ports;
  for (int i = 5; i < argc; ++i) ports.push_back(std::atoi(argv[i]));

  std::mutex m;
  std::vector<double> latencies;
  int errors = 0;
  auto make = [&](int port) {
    httplib::Client c("https://127.0.0.1:" + std::to_string(port));
    c.enable_server_certificate_verification(true);
    c.set_ca_cert_path(ca.c_str());
    c.set_keep_alive(true);
    c.set_connection_timeout(5, 0);
    c.set_read_timeout(10, 0);
    return c;
  };
  const auto end = clock_type::now() + length;
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      auto c = make(ports[static_cast<std::size_t>(i) % ports.size()]);
      httplib::Headers cookie;
      if (mode == "authorize") {
        auto r = c.Post("/api/portal/login",
                        json{{"username", "user" + std::to_string(i)}, {"password", "parola-bench"}}.dump(), "application/json");
        if (!r || r->status != 200) {
          std::lock_guard lock(m);
          ++errors;
          return;
        }
        std::string sc = r->get_header_value("Set-Cookie");
        cookie.emplace("Cookie", sc.substr(0, sc.find(';')));
      }
      while (clock_type::now() < end) {
        auto t0 = clock_type::now();
        bool ok = false;
        if (mode == "check") {
          auto r = c.Post("/api/v1/unlock/check", R"({"code": "123456789012345"})", "application/json");
          ok = r && r->status == 404;
        } else {
          auto r = c.Post("/api/portal/code", cookie, json{{"serial", serial_of(i)}}.dump(), "application/json");
          if (r && r->status == 200) {
            json body{{"code", json::parse(r->body).value("code", "")}, {"serial", serial_of(i)}, {"challenge", "0011223344556677"}};
            auto a = c.Post("/api/v1/unlock/authorize", body.dump(), "application/json");
            ok = a && a->status == 200;
          }
        }
        double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        std::lock_guard lock(m);
        if (ok) latencies.push_back(ms); else ++errors;
      }
    });
  for (auto& t : threads) t.join();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies.empty() ? 0.0 : latencies[static_cast<std::size_t>(p * (latencies.size() - 1))]; };
  std::printf("%s clients=%d instances=%zu req/s=%.0f p50_ms=%.1f p99_ms=%.1f errors=%d\n", mode.c_str(), clients,
              ports.size(), static_cast<double>(latencies.size()) / static_cast<double>(length.count()), pct(0.5),
              pct(0.99), errors);
  return errors == 0 ? 0 : 1;
}
