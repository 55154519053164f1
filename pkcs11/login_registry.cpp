#include "login_registry.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "log.hpp"

namespace akis::p11::login_registry {

namespace fs = std::filesystem;

namespace {
fs::path dir_for(ByteView serial) {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  fs::path base = runtime && *runtime ? fs::path(runtime) : fs::path("/tmp");
  fs::path root = base / ("akis-logins-" + std::to_string(::getuid()));
  std::error_code ec;
  fs::create_directory(root, ec);
  ::chmod(root.c_str(), 0700);
  fs::path d = root / to_hex(serial);
  fs::create_directory(d, ec);
  return d;
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }
}  // namespace

void enter(ByteView serial) {
  std::error_code ec;
  fs::path d = dir_for(serial);
  std::ofstream(d / std::to_string(::getpid())).flush();
  if (!fs::exists(d / std::to_string(::getpid()), ec)) log::error("login registry: cannot write in %s", d.c_str());
}

bool leave_is_last(ByteView serial) {
  std::error_code ec;
  fs::path d = dir_for(serial);
  fs::remove(d / std::to_string(::getpid()), ec);
  bool last = true;
  for (auto& e : fs::directory_iterator(d, ec)) {
    const std::string name = e.path().filename().string();
    char* end = nullptr;
    long pid = std::strtol(name.c_str(), &end, 10);
    if (!end || *end || pid <= 0) continue;
    if (alive(static_cast<pid_t>(pid))) {
      last = false;
    } else {
      fs::remove(e.path(), ec);  // a process that ended without logging out
    }
  }
  return last;
}

}  // namespace akis::p11::login_registry
