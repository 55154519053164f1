// SPDX-License-Identifier: LGPL-2.1-or-later
// Real processes for integration tests: pcscd with the vpcd driver and virtual cards connected to it.
// Every process is started here and stopped by its PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace akis::test {

class Process {
 public:
  Process() = default;
  Process(const std::vector<std::string>& argv, const std::string& log_path);
  ~Process() { stop(); }
  Process(Process&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // SIGTERM, then SIGKILL after `grace`; reaps the child.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000));
  void kill_hard();  // SIGKILL: a crash

 private:
  pid_t pid_ = -1;
};

// pcscd -f with a reader.conf.d of our own that declares the two vpcd readers (ports 35963 / 35964).
class Pcscd {
 public:
  explicit Pcscd(const std::string& work_dir);
  ~Pcscd();
  void start();  // after stop(): a pcscd package upgrade is a stop, a pause and a start
  void restart();
  void stop();
  void kill();  // SIGKILL: pcscd crashes, leaving its socket and PID file behind
  static const char* kReader0;
  static const char* kReader1;

 private:
  std::string dir_;
  Process proc_;
};

// A virtual card process in a vpcd reader.
class VirtualCardProcess {
 public:
  VirtualCardProcess(const std::string& state_path, int port, const std::vector<std::string>& extra = {});
  Process& process() { return proc_; }
  void remove() ;   // SIGUSR1: pulled out
  void insert();    // SIGUSR2: pushed back in
 private:
  Process proc_;
};

// Blocks until the reader has (or has no) card, or throws after `timeout`.
void wait_for_card(const std::string& reader, bool present,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(20000));

// Runs a shell command; returns its exit status and fills `out` with stdout+stderr.
int run_command(const std::string& cmd, std::string& out);

}  // namespace akis::test
