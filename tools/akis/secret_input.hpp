// PINs and PUKs: from the terminal without echo, from a file descriptor (one per line), or from an
// environment variable, never from the command line. Wiped after use.
#pragma once

#include <optional>
#include <string>

#include "akis/bytes.hpp"

namespace akis::cli {

class SecretInput {
 public:
  // fd >= 0: secrets are read from it, one per line, in the order the command asks for them.
  explicit SecretInput(int fd = -1) : fd_(fd) {}
  // Asks for a secret: environment variable `env` if set, then the fd, then the terminal (no echo).
  // Returns nullopt when no source is available (no terminal, no fd, no variable).
  std::optional<Secret> read(const std::string& prompt, const char* env);
  // Asks a yes/no question on the terminal. `assume_yes` answers yes without asking.
  bool confirm(const std::string& question, bool assume_yes);
  static bool interactive();

 private:
  int fd_;
};

}  // namespace akis::cli
