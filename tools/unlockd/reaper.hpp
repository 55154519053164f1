// SPDX-License-Identifier: LGPL-2.1-or-later
// Per-connection deadline for the service's HTTPS connections. cpp-httplib (Debian's 0.11.4) has only a timeout per
// read, so a client sending a byte every few seconds holds a worker for ever (slowloris). The reaper looks at the
// process's sockets once every 250 ms and shuts down each connection accepted on the service's port that has been
// open longer than the deadline: the worker's blocked read then returns and the worker is free again. A socket is
// known by its inode, so a closed descriptor reused by a new connection starts a new deadline.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

namespace akis::unlockd {

class ConnectionReaper {
 public:
  ConnectionReaper(int port, std::chrono::milliseconds deadline);
  ~ConnectionReaper();
  ConnectionReaper(const ConnectionReaper&) = delete;
  ConnectionReaper& operator=(const ConnectionReaper&) = delete;

 private:
  void loop();
  int port_;
  std::chrono::milliseconds deadline_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace akis::unlockd
