// SPDX-License-Identifier: LGPL-2.1-or-later
#include "reaper.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <map>

namespace akis::unlockd {

ConnectionReaper::ConnectionReaper(int port, std::chrono::milliseconds deadline)
    : port_(port), deadline_(deadline), thread_([this] { loop(); }) {}

ConnectionReaper::~ConnectionReaper() {
  stop_ = true;
  thread_.join();
}

namespace {
// The local port of an accepted TCP socket, or -1 (listening sockets, other sockets, other descriptors).
int accepted_port(int fd) {
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening) return -1;
  sockaddr_storage a{};
  len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return -1;
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return -1;
}
}  // namespace

void ConnectionReaper::loop() {
  using clock = std::chrono::steady_clock;
  std::map<int, std::pair<ino_t, clock::time_point>> seen;  // fd -> (socket inode, first seen)
  while (!stop_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const auto now = clock::now();
    std::map<int, std::pair<ino_t, clock::time_point>> current;
    if (DIR* d = ::opendir("/proc/self/fd")) {
      while (dirent* e = ::readdir(d)) {
        int fd = std::atoi(e->d_name);
        struct stat st {};
        if (e->d_name[0] == '.' || fd == ::dirfd(d) || ::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
        if (accepted_port(fd) != port_) continue;
        auto it = seen.find(fd);
        auto since = it != seen.end() && it->second.first == st.st_ino ? it->second.second : now;
        current[fd] = {st.st_ino, since};
        if (now - since > deadline_) ::shutdown(fd, SHUT_RDWR);  // the worker's read returns; httplib closes it
      }
      ::closedir(d);
    }
    seen.swap(current);
  }
}

}  // namespace akis::unlockd
