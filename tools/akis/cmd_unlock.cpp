// SPDX-License-Identifier: LGPL-2.1-or-later
// akis unlock: the online unblock of post-2011 cards (docs/unlock-protocol.md) on the terminal. The flow is
// unlock_flow.cpp (shared with akis-gui); this file only reads the code, the card choice and the new PIN and
// prints the progress.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli.hpp"
#include "unlock_flow.hpp"

namespace akis::cli {

namespace {

class TerminalPrompts : public UnlockPrompts {
 public:
  explicit TerminalPrompts(const Options& o) : o_(o) {}

  // The verification code: AKIS_UNLOCK_CODE, the --pin-fd line, standard input when it is not a terminal,
  // or the terminal (shown: it is pasted, and it is worthless after one use).
  std::string code() override {
    if (const char* c = std::getenv("AKIS_UNLOCK_CODE"); c && *c) return c;
    std::string line;
    if (o_.pin_fd >= 0) {
      SecretInput in(o_.pin_fd);
      auto s = in.read("", nullptr);
      if (s) line.assign(s->bytes().begin(), s->bytes().end());
    } else if (!::isatty(0)) {
      std::getline(std::cin, line);
    } else {
      std::cerr << msg(M::PromptCode) << std::flush;
      std::getline(std::cin, line);
    }
    return line;
  }

  void progress(const std::string& line) override { std::cerr << line << "\n"; }

  std::size_t choose(const std::vector<UnlockCandidate>& cards) override {
    for (std::size_t i = 0; i < cards.size(); ++i)
      std::cerr << "  " << i + 1 << ") " << cards[i].reader << "  " << msg(M::LblCardSerial) << ": " << cards[i].serial
                << "\n";
    std::cerr << msg(M::ChooseCard, cards.size()) << std::flush;
    std::string line;
    if (o_.pin_fd >= 0) {  // the same input as the code and the PINs, read without buffering ahead
      auto s = SecretInput(o_.pin_fd).read("", nullptr);
      if (!s) throw Failure(kDeclined, msg(M::Declined));
      line.assign(s->bytes().begin(), s->bytes().end());
    } else if (!std::getline(std::cin, line)) {
      throw Failure(kDeclined, msg(M::Declined));
    }
    char* end = nullptr;
    long n = std::strtol(line.c_str(), &end, 10);
    if (n < 1 || static_cast<std::size_t>(n) > cards.size()) throw Failure(kUsage, msg(M::ErrChoice));
    return static_cast<std::size_t>(n - 1);
  }

  Secret new_pin(const PinInfo& pin) override {
    SecretInput in(o_.pin_fd);
    return read_new_pin(in, pin);
  }

 private:
  const Options& o_;
};

}  // namespace

int cmd_unlock(const Options& o, const std::string& service_url, const std::string& ca_file) {
  UnlockRequest request;
  request.service_url = service_url;
  request.ca_file = ca_file;
  request.reader = o.reader;
  TerminalPrompts prompts(o);
  unlock_online(request, prompts);
  std::cout << msg(M::UnlockDone) << "\n";
  return kOk;
}

}  // namespace akis::cli
