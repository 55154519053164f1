// SPDX-License-Identifier: LGPL-2.1-or-later
#include "secret_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "messages.hpp"

namespace akis::cli {

namespace {
enum class LineEnd { Line, Eof, NotOpen, TooLong };

// Reads one line from fd, byte by byte (so nothing past the newline is consumed). A line longer than
// kMaxLength is read to its end anyway: what is left in a terminal's buffer would go to the shell.
LineEnd read_line(int fd, Bytes& buf) {
  bool too_long = false;
  for (;;) {
    char c;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EBADF) return LineEnd::NotOpen;
    if (n <= 0) {
      if (buf.empty() && !too_long) return LineEnd::Eof;
      break;
    }
    if (c == '\n') break;
    if (c == '\r' || too_long) continue;
    buf.push_back(static_cast<std::uint8_t>(c));
    if (buf.size() > SecretInput::kMaxLength) {
      too_long = true;
      secure_wipe(buf.data(), buf.size());
      buf.clear();
    }
  }
  return too_long ? LineEnd::TooLong : LineEnd::Line;
}

int tty_fd() {
  static int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  return fd;
}

// The terminal settings to put back if a signal ends the program while echo is off.
termios g_saved{};
volatile std::sig_atomic_t g_echo_off = 0;
struct sigaction g_old[3];
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void restore_and_die(int sig) {
  if (g_echo_off) {
    ::tcsetattr(tty_fd(), TCSANOW, &g_saved);  // async-signal-safe
    (void)!::write(tty_fd(), "\n", 1);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);  // the caller (a shell) sees the signal as the cause, as with any program
}

// Echo off for the life of the object; the old settings come back on return, on exceptions and on signals.
class QuietTerminal {
 public:
  explicit QuietTerminal(int tty) : tty_(tty) {
    if (::tcgetattr(tty, &g_saved) != 0) return;
    struct sigaction sa {};
    sa.sa_handler = restore_and_die;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) {
      ::sigaction(kSignals[i], &sa, &g_old[i]);
      if (g_old[i].sa_handler == SIG_IGN) ::sigaction(kSignals[i], &g_old[i], nullptr);  // stays ignored (nohup)
    }
    termios quiet = g_saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    g_echo_off = 1;
    ::tcsetattr(tty, TCSANOW, &quiet);
    active_ = true;
  }
  ~QuietTerminal() {
    if (!active_) return;
    ::tcsetattr(tty_, TCSANOW, &g_saved);
    g_echo_off = 0;
    for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &g_old[i], nullptr);
  }
  QuietTerminal(const QuietTerminal&) = delete;
  QuietTerminal& operator=(const QuietTerminal&) = delete;

 private:
  int tty_;
  bool active_ = false;
};

std::optional<Secret> take(LineEnd e, Bytes& buf, InputEnd& end, InputEnd on_eof) {
  switch (e) {
    case LineEnd::Line: {
      Secret s(buf);
      secure_wipe(buf.data(), buf.size());
      end = InputEnd::None;
      return s;
    }
    case LineEnd::Eof: end = on_eof; break;
    case LineEnd::NotOpen: end = InputEnd::FdNotOpen; break;
    case LineEnd::TooLong: end = InputEnd::TooLong; break;
  }
  secure_wipe(buf.data(), buf.size());
  return std::nullopt;
}
}  // namespace

bool SecretInput::interactive() { return tty_fd() >= 0 && ::isatty(tty_fd()); }

std::optional<Secret> SecretInput::read(const std::string& prompt, const char* env) {
  if (env) {
    if (const char* v = std::getenv(env); v && *v) {
      end_ = InputEnd::None;
      if (std::strlen(v) > kMaxLength) {
        end_ = InputEnd::TooLong;
        return std::nullopt;
      }
      return Secret(std::string_view(v));
    }
  }
  Bytes buf;
  if (fd_ >= 0) {
    auto s = take(read_line(fd_, buf), buf, end_, InputEnd::FdEnded);
    if (end_ == InputEnd::None || end_ == InputEnd::TooLong) ++lines_;
    return s;
  }
  if (!interactive()) {
    end_ = InputEnd::NoSource;
    return std::nullopt;
  }
  int tty = tty_fd();
  // Echo goes off before the prompt appears, and nothing typed ahead is thrown away (no TCSAFLUSH):
  // whatever the holder types after seeing the prompt is read, and never shown.
  QuietTerminal quiet(tty);
  (void)!::write(tty, prompt.data(), prompt.size());
  LineEnd e = read_line(tty, buf);
  if (e == LineEnd::Eof) (void)!::write(tty, "\n", 1);  // Ctrl-D: no newline was echoed
  return take(e, buf, end_, InputEnd::TerminalEof);
}

bool SecretInput::confirm(const std::string& question, bool assume_yes) {
  if (assume_yes) return true;
  if (!interactive()) return false;
  int tty = tty_fd();
  std::string q = question + " " + msg(M::YesNoHint) + " ";
  (void)!::write(tty, q.data(), q.size());
  std::string answer;
  char c;
  while (::read(tty, &c, 1) == 1 && c != '\n')
    if (answer.size() < 16) answer.push_back(c);  // read the whole line, keep what can be an answer
  for (auto& ch : answer) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return answer == msg(M::YesWord) || answer == msg(M::YesShort) || answer == "yes" || answer == "y";
}

}  // namespace akis::cli
