// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 13 attacks on the service's HTTP layer through real sockets (curl, openssl s_client): bodies without
// bound (chunked, without length, compressed), request lines without end, slow clients. The service's peak RSS
// (VmHWM) and its answers to an honest client during the attack are the measure.
#include <iostream>

#include "unlock_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

// Peak resident memory of a process, in MiB.
long peak_rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  return -1;
}

std::string url(const std::string& path) { return "https://127.0.0.1:" + std::to_string(kPort) + path; }
const std::string kTls = "openssl s_client -quiet -connect 127.0.0.1:" + std::to_string(kPort) + " 2>/dev/null";

TEST_F(Unlock, BodiesOfAnyFramingAreBoundedAndMemoryStaysLow) {
  start_service();
  const pid_t pid = service_->pid();
  const long before = peak_rss_mib(pid);
  std::string out, peaks;
  auto mark = [&](const char* what) { peaks += std::string(" ") + what + "=" + std::to_string(peak_rss_mib(pid)); };
  const std::string curl = "curl -sk -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' ";
  // 200 MB chunked: refused after 64 KiB.
  run_command("head -c 200M /dev/zero | " + curl + "-H 'Transfer-Encoding: chunked' --data-binary @- " +
                  url("/api/v1/unlock/check"), out);
  EXPECT_TRUE(out.find("413") != std::string::npos || out.find("000") != std::string::npos) << out;
  mark("chunked");
  // Four parallel 256 MB chunked uploads.
  std::string four;
  for (int i = 0; i < 4; ++i)
    four += "(head -c 256M /dev/zero | " + curl + "-H 'Transfer-Encoding: chunked' --data-binary @- " +
            url("/api/v1/unlock/authorize") + ") & ";
  run_command(four + "wait", out);
  mark("four-chunked");
  // A gzip bomb (200 MB of zeros in about 200 KB): compressed bodies are refused unread.
  run_command("head -c 200M /dev/zero | gzip -1 > '" + data_ + "/bomb.gz' && " + curl +
                  "-H 'Content-Encoding: gzip' --data-binary @'" + data_ + "/bomb.gz' " + url("/api/v1/unlock/check"), out);
  EXPECT_EQ(out, "415");
  mark("gzip");
  // A body without length, then 200 MB.
  run_command("(printf 'POST /api/v1/unlock/check HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'; head -c 200M /dev/zero) | timeout 30 " +
                  kTls, out);
  EXPECT_NE(out.find("411"), std::string::npos) << out.substr(0, 200);
  mark("no-length");
  // A request line without end.
  run_command("(printf 'GET /'; head -c 200M /dev/zero) | timeout 30 " + kTls + " > /dev/null", out);
  mark("request-line");
  run_command("(printf 'GET / HTTP/1.1\\r\\nX: '; head -c 200M /dev/zero) | timeout 30 " + kTls + " > /dev/null", out);
  mark("header-line");
  EXPECT_TRUE(service_->running());
  const long peak = peak_rss_mib(pid);
  std::cout << "peak RSS (MiB) before " << before << ", after each attack:" << peaks << "\n";
  EXPECT_LT(peak, 100) << "peak RSS " << peak << " MiB (before the attacks: " << before << " MiB; after each:" << peaks << ")";
  int status = 0;
  post("/api/v1/unlock/check", R"({"code": "123456789012345"})", &status);
  EXPECT_EQ(status, 404);  // still serving
}

TEST_F(Unlock, SlowClientsDoNotMakeTheServiceUnavailable) {
  start_service();
  std::vector<std::unique_ptr<Process>> slow;
  for (int i = 0; i < 3 * 8; ++i)  // three times the worker count of the old service, a byte every 4 s
    slow.push_back(std::make_unique<Process>(
        std::vector<std::string>{"bash", "-c", "for i in $(seq 30); do printf P; sleep 4; done | " + kTls},
        data_ + "/slow.log"));
  std::this_thread::sleep_for(2s);
  int answered = 0, asked = 0;
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 25s) {
    auto c = client();
    c.set_read_timeout(3, 0);
    ++asked;
    if (auto r = c.Get("/api/portal/me"); r && r->status == 401) ++answered;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(answered, asked);
  EXPECT_GE(asked, 30);
}

}  // namespace
