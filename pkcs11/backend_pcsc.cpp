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
        if (!ctx_ || !ctx_->valid()) ctx_ = std::make_shared<pcsc::Context>();
        return ctx_->states();
      } catch (const CardError& e) {
        log::debug("PC/SC: %s", e.what());
        ctx_.reset();  // pcscd restarted or gone: a new context next time
      }
    }
    return {};
  }

  std::unique_ptr<Transport> connect(const std::string& reader) override {
    std::shared_ptr<pcsc::Context> ctx;
    {
      std::lock_guard lock(mutex_);
      if (!ctx_ || !ctx_->valid()) ctx_ = std::make_shared<pcsc::Context>();
      ctx = ctx_;
    }
    return std::make_unique<pcsc::PcscTransport>(ctx, reader);
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
  std::mutex mutex_;
  std::shared_ptr<pcsc::Context> ctx_;
  std::shared_ptr<pcsc::Context> wait_ctx_;
  bool cancelled_ = false;
};

}  // namespace

std::unique_ptr<Backend> make_pcsc_backend() { return std::make_unique<PcscBackend>(); }

}  // namespace akis::p11
