// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/channel.hpp"

#include "akis/error.hpp"
#include "akis/trace.hpp"

namespace akis {

Response Channel::exchange(const Command& cmd) {
  if (!atr_traced_ && trace::enabled()) {  // a trace can become a recording (akis/recording.hpp): it needs the ATR
    atr_traced_ = true;
    trace::note("ATR " + to_hex(transport_.atr()) + " [" + transport_.name() + "]");
  }
  Bytes encoded = cmd.encode();
  trace::command(transport_.name(), cmd, encoded);
  Bytes raw;
  try {
    raw = transport_.transmit(encoded);
  } catch (...) {
    if (cmd.sensitive) secure_wipe(encoded.data(), encoded.size());
    throw;
  }
  ++counters_.commands;
  counters_.bytes_sent += encoded.size();
  counters_.bytes_received += raw.size();
  if (cmd.sensitive) secure_wipe(encoded.data(), encoded.size());
  Response r = parse_response(raw);
  if (cmd.sensitive_response) secure_wipe(raw.data(), raw.size());
  trace::response(transport_.name(), cmd, r);
  return r;
}

Response Channel::transmit(const Command& cmd) {
  // Command chaining (ISO 7816-4 5.1.1.1): every part but the last has CLA bit b5 set and no Le.
  Command last = cmd;
  if (cmd.data.size() > max_send_) {
    std::size_t pos = 0;
    while (cmd.data.size() - pos > max_send_) {
      Command part;
      part.cla = static_cast<std::uint8_t>(cmd.cla | 0x10);
      part.ins = cmd.ins;
      part.p1 = cmd.p1;
      part.p2 = cmd.p2;
      part.sensitive = cmd.sensitive;
      part.data.assign(cmd.data.begin() + static_cast<std::ptrdiff_t>(pos),
                       cmd.data.begin() + static_cast<std::ptrdiff_t>(pos + max_send_));
      Response r = exchange(part);
      if (!r.ok()) return r;
      pos += max_send_;
    }
    last.data.assign(cmd.data.begin() + static_cast<std::ptrdiff_t>(pos), cmd.data.end());
  }

  Response r = exchange(last);
  if (r.sw1() == 0x6C) {  // wrong Le: the card tells the exact length; send the same command again once
    last.le = r.sw2() ? r.sw2() : 256;
    r = exchange(last);
  }
  Response whole;
  whole.data = std::move(r.data);
  whole.sw = r.sw;
  // 61xx: more data waits; GET RESPONSE until the card says 9000 (or an error).
  int guard = 0;
  while (whole.sw1() == 0x61) {
    if (++guard > 64) throw CardError(Err::Malformed, "card keeps answering 61xx");
    std::size_t avail = whole.sw2() ? whole.sw2() : 256;
    Command gr;
    gr.cla = cmd.cla & 0x03;  // keep the logical channel bits only
    gr.ins = 0xC0;
    gr.le = std::min(avail, max_recv_);
    gr.sensitive_response = cmd.sensitive_response;
    Response part = exchange(gr);
    append(whole.data, part.data);
    if (cmd.sensitive_response) secure_wipe(part.data.data(), part.data.size());
    whole.sw = part.sw;
  }
  return whole;
}

Bytes Channel::transmit_ok(const Command& cmd, const char* what) {
  Response r = transmit(cmd);
  check_sw(r.sw, what);
  return std::move(r.data);
}

}  // namespace akis
