// SPDX-License-Identifier: LGPL-2.1-or-later
#include "processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "akis/error.hpp"
#include "akis/pcsc.hpp"

#ifndef AKIS_VCARD_BIN
#error "AKIS_VCARD_BIN must name the akis-vcard executable"
#endif

namespace akis::test {

using namespace std::chrono_literals;

// A test that talks to a service it kills (TLS clients write with SSL_write, which raises SIGPIPE on a closed
// connection) must see a failed request, not die silently: the test process ignores SIGPIPE, as the tools do.
// The programs it starts get the default disposition back before exec (an ignored signal survives exec).
[[maybe_unused]] const bool kSigpipeIgnored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();

Process::Process(const std::vector<std::string>& argv, const std::string& log_path) {
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::signal(SIGPIPE, SIG_DFL);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    stop();
    pid_ = o.pid_;
    o.pid_ = -1;
  }
  return *this;
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void Process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto until = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < until) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  kill_hard();
}

void Process::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
}

const char* Pcscd::kReader0 = "Virtual PCD 00 00";
const char* Pcscd::kReader1 = "Virtual PCD 00 01";

Pcscd::Pcscd(const std::string& work_dir) : dir_(work_dir) {
  // One pcscd serves the machine (fixed socket path): refuse to run beside a foreign one.
  try {
    pcsc::Context probe;
    throw std::runtime_error("another pcscd is already running; stop it before the integration tests");
  } catch (const CardError&) {
  }
  std::ofstream conf(dir_ + "/reader.conf.d/vpcd");
  if (!conf) {
    std::system(("mkdir -p '" + dir_ + "/reader.conf.d'").c_str());
    conf.open(dir_ + "/reader.conf.d/vpcd");
  }
  conf << "FRIENDLYNAME \"Virtual PCD\"\nDEVICENAME /dev/null:0x8C7B\n"
          "LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID 0x8C7B\n";
  conf.close();
  start();
}

Pcscd::~Pcscd() { stop(); }

void Pcscd::start() {
  proc_ = Process({"pcscd", "-f", "-c", dir_ + "/reader.conf.d"}, dir_ + "/pcscd.log");
  auto until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    try {
      pcsc::Context ctx;
      auto readers = ctx.readers();
      if (readers.size() >= 2) return;
    } catch (const CardError&) {
    }
    if (!proc_.running()) throw std::runtime_error("pcscd exited; see " + dir_ + "/pcscd.log");
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("pcscd did not show the vpcd readers within 10 s");
}

void Pcscd::stop() { proc_.stop(); }
void Pcscd::kill() { proc_.kill_hard(); }

void Pcscd::restart() {
  stop();
  start();
}

VirtualCardProcess::VirtualCardProcess(const std::string& state_path, int port, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {AKIS_VCARD_BIN, "run", "--state", state_path, "--port", std::to_string(port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  proc_ = Process(argv, state_path + ".log");
}

void VirtualCardProcess::remove() { proc_.signal(SIGUSR1); }
void VirtualCardProcess::insert() { proc_.signal(SIGUSR2); }

void wait_for_card(const std::string& reader, bool present, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  std::string seen = "no answer from pcscd";  // the last states, for the failure message
  while (std::chrono::steady_clock::now() < until) {
    try {
      pcsc::Context ctx;
      auto states = ctx.states();
      seen.clear();
      for (auto& st : states)
        seen += "[" + st.name + (st.present ? " present" : " empty") + (st.mute ? " mute" : "") +
                (st.exclusive ? " exclusive" : "") + " events " + std::to_string(st.event_count) + "]";
      for (auto& st : states)
        if (st.name == reader && st.present == present) {
          // pcscd told every waiting client at once; the module's reader monitor (another thread of
          // this or another process) publishes what it heard a moment later.
          std::this_thread::sleep_for(100ms);
          return;
        }
    } catch (const CardError&) {
    }
    std::this_thread::sleep_for(50ms);
  }
  throw std::runtime_error("reader " + reader + (present ? " got no card" : " still has a card") + " within " +
                           std::to_string(timeout.count()) + " ms; pcscd last said: " + seen);
}

int run_command(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace akis::test
