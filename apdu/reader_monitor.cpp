// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/reader_monitor.hpp"

#include "akis/error.hpp"

namespace akis::pcsc {

namespace {
// The blocked call also returns this often, as a safety net for an event pcscd did not report.
constexpr std::chrono::milliseconds kWakeUp(2000);

bool same(const std::vector<ReaderState>& a, const std::vector<ReaderState>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].present != b[i].present || a[i].event_count != b[i].event_count ||
        a[i].atr != b[i].atr || a[i].mute != b[i].mute || a[i].exclusive != b[i].exclusive)
      return false;
  return true;
}
}  // namespace

ReaderMonitor::ReaderMonitor() {
  thread_ = std::thread([this] { run(); });
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, std::chrono::seconds(5), [this] { return first_; });
}

ReaderMonitor::~ReaderMonitor() {
  std::unique_lock lock(mutex_);
  stop_ = true;
  changed_.notify_all();
  // SCardCancel wakes a blocked call only: repeat it until the thread has seen stop_.
  while (!exited_) {
    if (auto ctx = ctx_) {
      lock.unlock();
      ctx->cancel();
      lock.lock();
    }
    changed_.wait_for(lock, std::chrono::milliseconds(50), [this] { return exited_; });
  }
  lock.unlock();
  thread_.join();
}

ReaderMonitor::Snapshot ReaderMonitor::snapshot() const {
  std::lock_guard lock(mutex_);
  return snap_;
}

bool ReaderMonitor::wait_newer(unsigned long version, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const unsigned long cancels = cancels_;
  auto ready = [&] { return snap_.version != version || cancels_ != cancels || stop_; };
  if (timeout.count() < 0) changed_.wait(lock, ready);
  else changed_.wait_for(lock, timeout, ready);
  return snap_.version != version;
}

void ReaderMonitor::cancel_waits() {
  {
    std::lock_guard lock(mutex_);
    ++cancels_;
  }
  changed_.notify_all();
}

void ReaderMonitor::publish(std::vector<ReaderState> readers, bool service) {
  {
    std::lock_guard lock(mutex_);
    if (!first_ || service != snap_.service || !same(readers, snap_.readers)) {
      snap_.readers = std::move(readers);
      snap_.service = service;
      ++snap_.version;
      version_.store(snap_.version, std::memory_order_release);
    }
    first_ = true;
  }
  changed_.notify_all();
}

bool ReaderMonitor::sleep_unless_stopped(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, d, [this] { return stop_; });
}

void ReaderMonitor::run() {
  struct Exit {
    ReaderMonitor& m;
    ~Exit() {
      {
        std::lock_guard lock(m.mutex_);
        m.exited_ = true;
      }
      m.changed_.notify_all();
    }
  } exit{*this};
  for (;;) {
    std::shared_ptr<Context> ctx;
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
      ctx = ctx_;
    }
    if (!ctx) {
      try {
        ctx = std::make_shared<Context>();
      } catch (const CardError&) {  // pcscd is not running (yet): look again shortly
        publish({}, false);
        if (!sleep_unless_stopped(std::chrono::milliseconds(200))) return;
        continue;
      }
      std::lock_guard lock(mutex_);
      ctx_ = ctx;
      ++snap_.generation;
      if (stop_) return;
    }
    try {
      auto states = ctx->states();
      publish(states, true);
      ctx->wait_for_change(states, kWakeUp);  // returns on a change, on cancel, or to look again
    } catch (const CardError&) {  // the service went away under the blocked call
      std::lock_guard lock(mutex_);
      ctx_.reset();
    }
  }
}

}  // namespace akis::pcsc
