// SPDX-License-Identifier: LGPL-2.1-or-later
// Load on the unlock service: 50 concurrent honest clients asking `check` for 3 s, alone and while 8 slow-loris
// sockets and 4 chunked 256 MB uploads run for the whole measurement (each attacker reconnects when the service
// drops it). Prints requests/s and p99 latency of both (bench/run_unlock_bench.sh measures longer and more);
// fails when the honest clients keep less than 90% of their throughput (issue 13) or peak RSS reaches 100 MiB.
#include <algorithm>
#include <iostream>
#include <mutex>

#include "unlock_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

struct Load {
  double per_second = 0, p99_ms = 0;
  int errors = 0;
};

Load run_load(const std::function<httplib::Client()>& make, std::chrono::seconds length) {
  std::mutex m;
  std::vector<double> latencies;
  int errors = 0;
  const auto end = std::chrono::steady_clock::now() + length;
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&] {
      auto c = make();
      c.set_keep_alive(true);
      c.set_read_timeout(5, 0);
      while (std::chrono::steady_clock::now() < end) {
        auto t0 = std::chrono::steady_clock::now();
        auto r = c.Post("/api/v1/unlock/check", R"({"code": "123456789012345"})", "application/json");
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        std::lock_guard lock(m);
        if (r && r->status == 404) latencies.push_back(ms); else ++errors;
      }
    });
  for (auto& t : threads) t.join();
  std::sort(latencies.begin(), latencies.end());
  Load l;
  l.per_second = static_cast<double>(latencies.size()) / static_cast<double>(length.count());
  l.p99_ms = latencies.empty() ? 0 : latencies[latencies.size() * 99 / 100];
  l.errors = errors;
  return l;
}

long peak_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  return -1;
}

TEST_F(Unlock, HonestClientsKeepTheirThroughputUnderAttack) {
  start_service({"--max-failures-per-address", "100000000"});
  auto make = [this] { return client(); };
  run_load(make, 1s);  // warm-up: TLS session caches, the first audit pages
  const std::string tls = "openssl s_client -quiet -connect 127.0.0.1:" + std::to_string(kPort) + " 2>/dev/null";
  // One round: without attack, under attack, without again (the machine's other work, other tests in a parallel
  // suite, changes from second to second: the quiet throughput is the mean of the runs before and after). The
  // bound must hold in one of three rounds; each round is printed.
  double best = 0;
  int errors = 0;
#ifdef AKIS_SANITIZED
  // Under AddressSanitizer the attackers' 256 MB bodies cost the instrumented parser several times the CPU they
  // cost the product (67% measured with nothing else running): the bound is the release build's; here the honest
  // clients must still get half their throughput.
  const double bound = 0.5;
#else
  const double bound = 0.9;
#endif
  for (int round = 0; round < 3 && best <= bound; ++round) {
    Load quiet = run_load(make, 2s);
    std::vector<std::unique_ptr<Process>> attack;
    for (int i = 0; i < 8; ++i)
      attack.push_back(std::make_unique<Process>(
          std::vector<std::string>{"timeout", "6", "bash", "-c",
                                   "while :; do for i in $(seq 12); do printf P; sleep 1; done | " + tls + "; done"},
          data_ + "/slow.log"));
    for (int i = 0; i < 4; ++i)
      attack.push_back(std::make_unique<Process>(
          std::vector<std::string>{"timeout", "6", "bash", "-c",
                                   "while :; do head -c 256M /dev/zero | curl -sk -o /dev/null -H 'Transfer-Encoding: chunked' "
                                   "--data-binary @- https://127.0.0.1:" + std::to_string(kPort) + "/api/v1/unlock/check; done"},
          data_ + "/upload.log"));
    std::this_thread::sleep_for(1s);
    Load attacked = run_load(make, 3s);
    attack.clear();
    Load after = run_load(make, 2s);
    const double base = (quiet.per_second + after.per_second) / 2;
    errors += quiet.errors + attacked.errors + after.errors;
    best = std::max(best, base > 0 ? attacked.per_second / base : 0);
    std::cout << "check, 50 clients: " << base << " req/s, p99 " << quiet.p99_ms << " ms; under attack: "
              << attacked.per_second << " req/s, p99 " << attacked.p99_ms << " ms (" << 100 * attacked.per_second / base
              << "%)\n";
  }
  const long peak = peak_mib(service_->pid());
  std::cout << "peak RSS " << peak << " MiB\n";
  EXPECT_EQ(errors, 0);
  EXPECT_GT(best, bound);
#ifdef AKIS_SANITIZED
  // AddressSanitizer's shadow memory and quarantine multiply the service's RSS (371 MiB measured); unbounded
  // bodies would still take it far past this.
  EXPECT_LT(peak, 800);
#else
  EXPECT_LT(peak, 100);
#endif
}

}  // namespace
