#include <mutex>
#include <thread>

#include "akis/error.hpp"
#include "backend.hpp"
#include "log.hpp"

namespace akis::p11 {

namespace {

// Two contexts: pcsc-lite serialises calls per context, so the blocking wait has its own.
class PcscBackend final : public Backend {
 public:
  std::vector<pcsc::ReaderState> readers() override {
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

  unsigned long generation() const override {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  bool wait_for_change(const std::vector<pcsc::ReaderState>& known, std::chrono::milliseconds timeout) override {
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
  }

 private:
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
};

}  // namespace

std::unique_ptr<Backend> make_pcsc_backend() { return std::make_unique<PcscBackend>(); }

}  // namespace akis::p11
