#include "secret_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "messages.hpp"

namespace akis::cli {

namespace {
// Reads one line from fd, byte by byte (so nothing past the newline is consumed).
std::optional<Secret> read_line(int fd) {
  Bytes buf;
  char c;
  for (;;) {
    ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) {
      if (buf.empty()) return std::nullopt;
      break;
    }
    if (c == '\n') break;
    if (c != '\r') buf.push_back(static_cast<std::uint8_t>(c));
    if (buf.size() > 64) break;
  }
  Secret s(buf);
  secure_wipe(buf.data(), buf.size());
  return s;
}

int tty_fd() {
  static int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  return fd;
}
}  // namespace

bool SecretInput::interactive() { return tty_fd() >= 0 && ::isatty(tty_fd()); }

std::optional<Secret> SecretInput::read(const std::string& prompt, const char* env) {
  if (env) {
    if (const char* v = std::getenv(env); v && *v) return Secret(std::string_view(v));
  }
  if (fd_ >= 0) return read_line(fd_);
  if (!interactive()) return std::nullopt;
  int tty = tty_fd();
  // Echo goes off before the prompt appears, and nothing typed ahead is thrown away (no TCSAFLUSH):
  // whatever the holder types after seeing the prompt is read, and never shown.
  termios old{};
  bool restore = ::tcgetattr(tty, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(tty, TCSANOW, &quiet);
  }
  (void)!::write(tty, prompt.data(), prompt.size());
  auto s = read_line(tty);
  if (restore) ::tcsetattr(tty, TCSANOW, &old);
  return s;
}

bool SecretInput::confirm(const std::string& question, bool assume_yes) {
  if (assume_yes) return true;
  if (!interactive()) return false;
  int tty = tty_fd();
  std::string q = question + " " + msg(M::YesNoHint) + " ";
  (void)!::write(tty, q.data(), q.size());
  std::string answer;
  char c;
  while (::read(tty, &c, 1) == 1 && c != '\n') answer.push_back(c);
  for (auto& ch : answer) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return answer == msg(M::YesWord) || answer == msg(M::YesShort) || answer == "yes" || answer == "y";
}

}  // namespace akis::cli
