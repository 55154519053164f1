// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs a call that must not hang: its result, or (after `limit`) a test failure that ends the test process,
// since a thread stuck in a deadlock cannot be joined.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

namespace akis::test {

// Before the process ends on a hang: stop its children (pcscd, virtual cards), whose destructors will not
// run, so that the next test finds the machine as it should.
inline void kill_children() {
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream in(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(stat.c_str() + close + 1, " %c %ld", &state, &ppid) == 2 && ppid == ::getpid())
      ::kill(static_cast<pid_t>(std::stol(e.path().filename().string())), SIGKILL);
  }
}

template <class F>
auto within(std::chrono::milliseconds limit, const std::string& what, F&& fn) {
  using R = decltype(fn());
  auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(fn));
  auto result = task->get_future();
  std::thread([task] { (*task)(); }).detach();
  if (result.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "HANG: %s did not return within %lld ms\n", what.c_str(),
                 static_cast<long long>(limit.count()));
    ADD_FAILURE() << what << " hangs";
    std::fflush(nullptr);
    kill_children();
    std::_Exit(3);
  }
  return result.get();
}

}  // namespace akis::test
