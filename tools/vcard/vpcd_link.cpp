// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vpcd_link.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "akis/trace.hpp"

namespace akis::vcard {

namespace {

int connect_to(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

enum class Io { Ok, Closed, Stopped };

// Reads exactly n bytes, waking every 100 ms to look at the stop/inserted flags.
Io read_exact(int fd, std::uint8_t* buf, std::size_t n, const std::atomic<bool>& stop,
              const std::atomic<bool>& inserted) {
  std::size_t got = 0;
  while (got < n) {
    if (stop || !inserted) return Io::Stopped;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Io::Closed;
    if (r == 0) continue;
    // vpcd's driver writes the length and the APDU in two segments; with Nagle on its side and delayed
    // ACKs on ours every exchange would wait ~40 ms. Acknowledge at once (Linux resets this flag).
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    ssize_t k = ::recv(fd, buf + got, n - got, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return Io::Closed;
    got += static_cast<std::size_t>(k);
  }
  return Io::Ok;
}

bool send_msg(int fd, ByteView payload) {
  Bytes out{static_cast<std::uint8_t>(payload.size() >> 8), static_cast<std::uint8_t>(payload.size())};
  append(out, payload);
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t k = ::send(fd, out.data() + done, out.size() - done, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    done += static_cast<std::size_t>(k);
  }
  return true;
}

void sleep_ms(double ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(ms * 1000)));
}

// Redacts the data of VERIFY / CHANGE / RESET RETRY COUNTER / EXTERNAL AUTHENTICATE in the card-side trace,
// and their Lc: the length of a PIN is a secret too.
std::string describe_apdu(ByteView apdu) {
  if (apdu.size() > 5 && (apdu[1] == 0x20 || apdu[1] == 0x24 || apdu[1] == 0x2C || apdu[1] == 0x82))
    return to_hex(apdu.first(4), ' ') + " <redacted>";
  return to_hex(apdu, ' ');
}

}  // namespace

int run_vpcd(VirtualCard& card, const LinkOptions& opts, const std::atomic<bool>& stop,
             const std::atomic<bool>& inserted) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> trace(
      opts.trace_path.empty() ? nullptr : std::fopen(opts.trace_path.c_str(), "a"), &std::fclose);
  auto log = [&](const std::string& line) {
    if (trace) {
      std::fprintf(trace.get(), "%s\n", line.c_str());
      std::fflush(trace.get());
    }
  };
  bool announced_wait = false;
  while (!stop) {
    if (!inserted) {
      sleep_ms(50);
      continue;
    }
    int fd = connect_to(opts.host, opts.port);
    if (fd < 0) {
      if (!announced_wait) {
        std::fprintf(stderr, "akis-vcard: waiting for pcscd's vpcd reader on %s:%d\n", opts.host.c_str(), opts.port);
        announced_wait = true;
      }
      sleep_ms(200);
      continue;
    }
    announced_wait = false;
    std::fprintf(stderr, "akis-vcard: card inserted in the vpcd reader on port %d\n", opts.port);
    log("connected to " + opts.host + ":" + std::to_string(opts.port));
    for (;;) {
      std::uint8_t hdr[2];
      Io io = read_exact(fd, hdr, 2, stop, inserted);
      if (io != Io::Ok) break;
      std::size_t len = static_cast<std::size_t>((hdr[0] << 8) | hdr[1]);
      Bytes msg(len);
      if (len && read_exact(fd, msg.data(), len, stop, inserted) != Io::Ok) break;
      if (len == 1) {
        switch (msg[0]) {
          case 0: card.power_off(); log("power off"); break;
          case 1: card.power_on(); log("power on"); break;
          case 2: card.reset(); log("reset"); break;
          case 4: {
            Bytes atr = card.atr();
            log("ATR " + to_hex(atr, ' '));
            if (!send_msg(fd, atr)) goto disconnected;
            break;
          }
          default: log("unknown control byte"); break;
        }
        continue;
      }
      {
        log("-> " + describe_apdu(msg));
        Bytes resp = card.process(msg);
        sleep_ms(card.last_cost_ms(opts.latency));
        log("<- " + to_hex(resp, ' '));
        if (!send_msg(fd, resp)) break;
      }
    }
  disconnected:
    ::close(fd);
    card.power_off();
    log("disconnected");
    if (!stop) std::fprintf(stderr, "akis-vcard: disconnected from the reader\n");
  }
  return 0;
}

}  // namespace akis::vcard
