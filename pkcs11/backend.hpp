// SPDX-License-Identifier: LGPL-2.1-or-later
// Where readers and cards come from: PC/SC in the shipped module, in-process virtual readers in tests.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "akis/pcsc.hpp"
#include "akis/transport.hpp"

namespace akis::p11 {

class Backend {
 public:
  virtual ~Backend() = default;
  // Current readers with card presence, ATR and event counter. Empty when there is no PC/SC service.
  virtual std::vector<pcsc::ReaderState> readers() = 0;
  virtual std::unique_ptr<Transport> connect(const std::string& reader) = 0;
  // Blocks (outside every module lock) until something differs from `known`; false on timeout or cancel.
  virtual bool wait_for_change(const std::vector<pcsc::ReaderState>& known, std::chrono::milliseconds timeout) = 0;
  virtual void cancel_wait() = 0;
  // Keep reader state current in a thread of the backend's own (applications that allow threads).
  virtual void start_monitor() {}
  // Changes whenever the backend had to establish a new PC/SC context (pcscd restarted): reader event
  // counters of different generations cannot be compared.
  virtual unsigned long generation() const { return 0; }
  // Changes whenever readers() would answer differently; 0: unknown (ask readers() every time).
  virtual unsigned long state_version() const { return 0; }
};

std::unique_ptr<Backend> make_pcsc_backend();

}  // namespace akis::p11
