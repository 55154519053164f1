// SPDX-License-Identifier: LGPL-2.1-or-later
// The readers and their cards as pcscd last reported them, kept current by one thread blocked in
// SCardGetStatusChange (with the PnP pseudo-reader, so new readers are seen too). Questions such as "which
// readers hold a card" are then answered from memory, without a pcscd round trip when nothing changed.
// A lost service (pcscd stopped or restarted: SCARD_E_NO_SERVICE) is noticed by the blocked call itself;
// the monitor then reports no readers and establishes a new context as soon as pcscd is back, counting
// one more generation (event counters of different generations are not comparable).
//
// Shared by the PKCS#11 module and the tools (`akis`, the desktop application): one monitor per process.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "akis/pcsc.hpp"

namespace akis::pcsc {

class ReaderMonitor {
 public:
  struct Snapshot {
    std::vector<ReaderState> readers;
    unsigned long generation = 0;  // PC/SC contexts established so far
    unsigned long version = 0;     // increases with every change published
    bool service = false;          // pcscd answered
  };

  // Starts the thread and returns once the first state is known (or pcscd is found absent).
  ReaderMonitor();
  ~ReaderMonitor();  // cancels the blocked call and joins the thread
  ReaderMonitor(const ReaderMonitor&) = delete;
  ReaderMonitor& operator=(const ReaderMonitor&) = delete;

  Snapshot snapshot() const;
  // The version of the latest snapshot, without taking the monitor's lock or copying anything.
  unsigned long version() const { return version_.load(std::memory_order_acquire); }
  // Blocks until a snapshot newer than `version` is published, the timeout passes (negative: none) or
  // cancel_waits() is called. True when there is a newer snapshot.
  bool wait_newer(unsigned long version, std::chrono::milliseconds timeout);
  void cancel_waits();

 private:
  void run();
  void publish(std::vector<ReaderState> readers, bool service);
  bool sleep_unless_stopped(std::chrono::milliseconds d);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  Snapshot snap_;
  std::atomic<unsigned long> version_{0};
  bool first_ = false, stop_ = false, exited_ = false;
  unsigned long cancels_ = 0;
  std::shared_ptr<Context> ctx_;  // the monitor's own: pcsc-lite serialises the calls of one context
  std::thread thread_;
};

}  // namespace akis::pcsc
