// SPDX-License-Identifier: LGPL-2.1-or-later
// The command layer above a Transport: chaining for long data, GET RESPONSE on 61xx, re-send on 6Cxx,
// the APDU trace, and I/O counters for the benchmarks.
#pragma once

#include <cstddef>

#include "akis/apdu.hpp"
#include "akis/transport.hpp"

namespace akis {

struct IoCounters {
  std::size_t commands = 0;     // APDUs exchanged with the card (including GET RESPONSE and chained parts)
  std::size_t bytes_sent = 0;   // command bytes
  std::size_t bytes_received = 0;
};

class Channel {
 public:
  // AKİS cards take at most 244 data bytes per command and return at most 244 per response (CARD.md).
  static constexpr std::size_t kMaxData = 244;

  explicit Channel(Transport& transport, std::size_t max_send = kMaxData, std::size_t max_recv = kMaxData)
      : transport_(transport), max_send_(max_send), max_recv_(max_recv) {}

  // Sends the command, chaining its data if longer than max_send, and collects the whole response.
  // The status word of the last exchange is returned; errors of the transport throw CardError.
  Response transmit(const Command& cmd);
  // transmit() and check_sw(): returns the data of a 9000 response, throws CardError otherwise.
  Bytes transmit_ok(const Command& cmd, const char* what);

  Transport& transport() { return transport_; }
  std::size_t max_recv() const { return max_recv_; }
  const IoCounters& counters() const { return counters_; }
  void reset_counters() { counters_ = {}; }

 private:
  Response exchange(const Command& cmd);  // one APDU, traced and counted

  Transport& transport_;
  std::size_t max_send_;
  std::size_t max_recv_;
  IoCounters counters_;
  bool atr_traced_ = false;  // the trace names the card's ATR before its first command
};

}  // namespace akis
