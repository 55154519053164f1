// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pty.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace akis::test {

PtyProcess::PtyProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
  if (pid_ < 0) throw std::runtime_error("forkpty failed");
  if (pid_ == 0) {
    for (auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
}

PtyProcess::~PtyProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int st;
    waitpid(pid_, &st, 0);
  }
  if (master_ >= 0) close(master_);
}

void PtyProcess::pump(std::chrono::milliseconds timeout) {
  pollfd p{master_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return;
  char buf[4096];
  ssize_t n = read(master_, buf, sizeof buf);
  if (n > 0) out_.append(buf, static_cast<std::size_t>(n));
}

bool PtyProcess::expect(const std::string& needle, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    auto at = out_.find(needle, seen_);
    if (at != std::string::npos) {
      seen_ = at + needle.size();
      return true;
    }
    std::size_t before = out_.size();
    pump(std::chrono::milliseconds(50));
    if (out_.size() == before) {
      int st;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        pump(std::chrono::milliseconds(50));
        return out_.find(needle, seen_) != std::string::npos;
      }
    }
  }
  return false;
}

void PtyProcess::type(const std::string& keys) { (void)!write(master_, keys.data(), keys.size()); }

int PtyProcess::wait() {
  if (pid_ <= 0) return 0;
  int st = 0;
  while (waitpid(pid_, &st, WNOHANG) == 0) pump(std::chrono::milliseconds(50));
  pump(std::chrono::milliseconds(50));
  pid_ = -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

}  // namespace akis::test
