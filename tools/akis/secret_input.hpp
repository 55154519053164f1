// SPDX-License-Identifier: LGPL-2.1-or-later
// PINs and PUKs: from the terminal without echo, from a file descriptor (one per line), or from an
// environment variable, never from the command line. Wiped after use.
#pragma once

#include <optional>
#include <string>

#include "akis/bytes.hpp"

namespace akis::cli {

// Why a read gave no secret (each gets its own message, see read_secret in card_select.cpp).
enum class InputEnd {
  None,         // a secret was read
  NoSource,     // no terminal, no --pin-fd, no variable
  TerminalEof,  // Ctrl-D at the prompt
  FdNotOpen,    // --pin-fd names a descriptor that is not open
  FdEnded,      // --pin-fd ended before this line (too few lines)
  TooLong,      // the line was longer than any PIN or PUK (the rest of it was read and thrown away)
};

class SecretInput {
 public:
  // The longest line accepted as a secret; longer lines are read to their end and refused.
  static constexpr std::size_t kMaxLength = 64;
  // fd >= 0: secrets are read from it, one per line, in the order the command asks for them.
  explicit SecretInput(int fd = -1) : fd_(fd) {}
  // Asks for a secret: environment variable `env` if set, then the fd, then the terminal (no echo; the
  // terminal's settings come back even when the user presses Ctrl-C or the program is killed by SIGTERM/SIGHUP).
  // Returns nullopt when no secret was read; end() then says why.
  std::optional<Secret> read(const std::string& prompt, const char* env);
  // Asks a yes/no question on the terminal. `assume_yes` answers yes without asking.
  bool confirm(const std::string& question, bool assume_yes);
  static bool interactive();
  InputEnd end() const { return end_; }
  int fd() const { return fd_; }
  int lines_read() const { return lines_; }  // secrets read from the fd so far

 private:
  int fd_;
  InputEnd end_ = InputEnd::None;
  int lines_ = 0;
};

}  // namespace akis::cli
