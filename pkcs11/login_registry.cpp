// SPDX-License-Identifier: LGPL-2.1-or-later
#include "login_registry.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "log.hpp"
#include "private_dir.hpp"

namespace akis::p11::login_registry {

namespace fs = std::filesystem;

namespace {

bool private_dir(const fs::path& d) { return p11::private_dir(d.string(), "login registry"); }

fs::path root() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime) {
    fs::path base(runtime);
    struct stat st {};
    if (::stat(base.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() && !(st.st_mode & 077)) {
      fs::path r = base / "akis-logins";
      return private_dir(r) ? r : fs::path();
    }
  }
  fs::path r = fs::path("/tmp") / ("akis-logins-" + std::to_string(::geteuid()));
  return private_dir(r) ? r : fs::path();
}

fs::path dir_for(ByteView serial) {
  fs::path r = root();
  if (r.empty()) return {};
  fs::path d = r / to_hex(serial);
  return private_dir(d) ? d : fs::path();
}

// Field 22 of /proc/<pid>/stat: the process's start time in clock ticks since boot ("" if no such process).
std::string start_time(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return {};
  std::istringstream rest(all.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return field;
  return {};
}

std::string self_name() { return std::to_string(::getpid()) + "-" + start_time(::getpid()); }

bool alive(const std::string& entry) {
  auto dash = entry.find('-');
  if (dash == std::string::npos || dash == 0) return false;
  char* end = nullptr;
  long pid = std::strtol(entry.c_str(), &end, 10);
  if (end != entry.c_str() + dash || pid <= 0) return false;
  std::string started = start_time(pid);
  return !started.empty() && started == entry.substr(dash + 1);
}

}  // namespace

bool available() { return !root().empty(); }

std::string directory(ByteView serial) { return dir_for(serial).string(); }

void enter(ByteView serial) {
  fs::path d = dir_for(serial);
  if (d.empty()) return;
  fs::path f = d / self_name();
  int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    log::error("login registry: cannot write %s: %s", f.c_str(), std::strerror(errno));
    return;
  }
  ::close(fd);
}

bool leave_is_last(ByteView serial) {
  fs::path d = dir_for(serial);
  if (d.empty()) return true;  // no registry: nobody can be counted on; log the card out
  std::error_code ec;
  fs::remove(d / self_name(), ec);
  bool last = true;
  for (auto& e : fs::directory_iterator(d, ec)) {
    if (alive(e.path().filename().string())) last = false;
    else fs::remove(e.path(), ec);  // a process that ended without logging out, or not an entry
  }
  return last;
}

void clear(ByteView serial) {
  fs::path d = dir_for(serial);
  if (d.empty()) return;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(d, ec)) fs::remove(e.path(), ec);
}

}  // namespace akis::p11::login_registry
