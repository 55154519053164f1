// Runs a call that must not hang: its result, or (after `limit`) a test failure that ends the test process,
// since a thread stuck in a deadlock cannot be joined.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>

namespace akis::test {

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
    std::_Exit(3);
  }
  return result.get();
}

}  // namespace akis::test
