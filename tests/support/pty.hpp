// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs a program on a pseudo-terminal, as a person at a terminal would: reads what it prints, types.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace akis::test {

class PtyProcess {
 public:
  PtyProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
  ~PtyProcess();
  // Reads until `needle` appears in the output (true) or the timeout passes / the program ends (false).
  bool expect(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  void type(const std::string& keys);
  int wait();  // exit status
  const std::string& output() const { return out_; }

 private:
  void pump(std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int master_ = -1;
  std::string out_;
  std::size_t seen_ = 0;
};

}  // namespace akis::test
