// SPDX-License-Identifier: LGPL-2.1-or-later
#include "replay_backend.hpp"

#include <cstdlib>
#include <mutex>

#include "akis/error.hpp"
#include <thread>

namespace akis::test {

namespace {
std::mutex g_mutex;
Recording g_rec;

class ReplayBackend final : public p11::Backend {
 public:
  std::vector<pcsc::ReaderState> readers() override {
    std::lock_guard lock(g_mutex);
    pcsc::ReaderState st;
    st.name = kReplayReader;
    st.present = true;
    st.atr = g_rec.atr;
    st.event_count = 1;
    return {st};
  }
  std::unique_ptr<Transport> connect(const std::string& reader) override {
    if (reader != kReplayReader) throw CardError(Err::NoReader, "no reader " + reader);
    std::lock_guard lock(g_mutex);
    return std::make_unique<ReplayTransport>(g_rec, ReplayTransport::Mode::Keyed, kReplayReader);
  }
  bool wait_for_change(const std::vector<pcsc::ReaderState>&, std::chrono::milliseconds timeout) override {
    std::this_thread::sleep_for(std::min(timeout, std::chrono::milliseconds(50)));
    return false;
  }
  void cancel_wait() override {}
};
}  // namespace

// A recording holds what the module read without the cross-process cache; a cache left by an earlier card with
// the same serial would have the module validate it with reads the recording does not hold. The replays run
// without it (read at the next C_Initialize).
void set_replay_recording(const Recording& rec) {
  ::setenv("AKIS_PKCS11_PUBLIC_CACHE", "no", 1);
  std::lock_guard lock(g_mutex);
  g_rec = rec;
}

std::unique_ptr<p11::Backend> make_replay_backend() { return std::make_unique<ReplayBackend>(); }

}  // namespace akis::test
