// SPDX-License-Identifier: LGPL-2.1-or-later
#include <atomic>
#include <mutex>
#include <thread>

#include "akis/error.hpp"
#include "akis/reader_monitor.hpp"
#include "backend.hpp"
#include "log.hpp"

namespace akis::p11 {

namespace {

bool differs(const std::vector<pcsc::ReaderState>& known, const std::vector<pcsc::ReaderState>& now) {
  if (known.size() != now.size()) return true;
  for (std::size_t i = 0; i < known.size(); ++i)
    if (known[i].name != now[i].name || known[i].present != now[i].present ||
        known[i].event_count != now[i].event_count)
      return true;
  return false;
}

// With the reader monitor (the default), reader questions are answered from its state in memory and waits
// block on it. Without it (the application forbade threads: CKF_LIBRARY_CANT_CREATE_OS_THREADS) every
// question is a pcscd round trip and a wait has a context of its own (pcsc-lite serialises calls per context).
// Card connections always share one context, renewed when a transport finds it dead.
class PcscBackend final : public Backend {
 public:
  void start_monitor() override {
    std::lock_guard lock(mutex_);
    if (!monitor_) {
      monitor_ = std::make_unique<pcsc::ReaderMonitor>();
      monitor_ptr_.store(monitor_.get(), std::memory_order_release);
    }
  }

  std::vector<pcsc::ReaderState> readers() override {
    if (auto* m = monitor()) return m->snapshot().readers;
    std::lock_guard lock(mutex_);
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        return current_locked(nullptr)->states();
      } catch (const CardError& e) {
        log::debug("PC/SC: %s", e.what());
        retire_locked();  // pcscd restarted or gone: a new context next time
      }
    }
    return {};
  }

  std::unique_ptr<Transport> connect(const std::string& reader) override {
    auto source = [this](const pcsc::Context* dead) {
      std::lock_guard lock(mutex_);
      return current_locked(dead);
    };
    std::shared_ptr<pcsc::Context> ctx;
    {
      std::lock_guard lock(mutex_);
      ctx = current_locked(nullptr);
    }
    try {
      return std::make_unique<pcsc::PcscTransport>(ctx, reader, source);
    } catch (const CardError& e) {
      if (e.code() != Err::NoService) throw;
      std::lock_guard lock(mutex_);  // the context died with its pcscd: once more on a new one
      ctx = current_locked(ctx.get());
    }
    return std::make_unique<pcsc::PcscTransport>(ctx, reader, source);
  }

  bool wait_for_change(const std::vector<pcsc::ReaderState>& known, std::chrono::milliseconds timeout) override {
    if (auto* m = monitor()) return wait_on_monitor(*m, known, timeout);
    std::shared_ptr<pcsc::Context> wait_ctx;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) {
        cancelled_ = false;
        return false;
      }
      try {
        if (!wait_ctx_ || !wait_ctx_->valid()) wait_ctx_ = std::make_shared<pcsc::Context>();
      } catch (const CardError&) {
        wait_ctx_.reset();
      }
      wait_ctx = wait_ctx_;
    }
    if (!wait_ctx) {  // no PC/SC service: poll until it comes or the wait is cancelled
      auto step = std::chrono::milliseconds(200);
      std::this_thread::sleep_for(timeout.count() >= 0 ? std::min(step, timeout) : step);
      std::lock_guard lock(mutex_);
      cancelled_ = false;
      return false;
    }
    try {
      return wait_ctx->wait_for_change(known, timeout);
    } catch (const CardError& e) {
      log::debug("PC/SC wait: %s", e.what());
      std::lock_guard lock(mutex_);
      wait_ctx_.reset();
      return true;  // the service changed: let the caller look again
    }
  }

  void cancel_wait() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (wait_ctx_) wait_ctx_->cancel();
    if (monitor_) monitor_->cancel_waits();
  }

  unsigned long state_version() const override {
    auto* m = monitor();
    return m ? m->version() : 0;
  }

  unsigned long generation() const override {
    if (auto* m = monitor()) return m->snapshot().generation;
    std::lock_guard lock(mutex_);
    return generation_;
  }

 private:
  pcsc::ReaderMonitor* monitor() const { return monitor_ptr_.load(std::memory_order_acquire); }

  bool take_cancel() {
    std::lock_guard lock(mutex_);
    bool c = cancelled_;
    cancelled_ = false;
    return c;
  }

  // Slices of at most 500 ms, so that a cancel arriving just before the wait began is not missed.
  bool wait_on_monitor(pcsc::ReaderMonitor& m, const std::vector<pcsc::ReaderState>& known,
                       std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (take_cancel()) return false;
      auto snap = m.snapshot();
      if (differs(known, snap.readers)) return true;
      auto slice = std::chrono::milliseconds(500);
      if (timeout.count() >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        slice = std::min(slice, left);
      }
      m.wait_newer(snap.version, slice);
    }
  }

  // The shared context, renewed when there is none or when it is the one a caller found dead.
  std::shared_ptr<pcsc::Context> current_locked(const pcsc::Context* dead) {
    if (ctx_ && ctx_.get() == dead) retire_locked();
    if (!ctx_) {
      ctx_ = std::make_shared<pcsc::Context>();  // throws NoService while pcscd is down
      ++generation_;
    }
    return ctx_;
  }
  void retire_locked() { ctx_.reset(); }

  mutable std::mutex mutex_;
  unsigned long generation_ = 0;
  std::shared_ptr<pcsc::Context> ctx_;
  std::shared_ptr<pcsc::Context> wait_ctx_;
  bool cancelled_ = false;
  std::unique_ptr<pcsc::ReaderMonitor> monitor_;  // declared last: stopped first
  std::atomic<pcsc::ReaderMonitor*> monitor_ptr_{nullptr};  // read without the lock on every call
};

}  // namespace

std::unique_ptr<Backend> make_pcsc_backend() { return std::make_unique<PcscBackend>(); }

}  // namespace akis::p11
