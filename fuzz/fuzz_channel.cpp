// SPDX-License-Identifier: LGPL-2.1-or-later
// The response chain: Channel (61xx GET RESPONSE, 6Cxx re-send, command chaining) and the AKİS command
// set behind a transport whose answers come from the input.
// Input: byte 0 selects the most data bytes per answer (max_recv, bits 0-1) and the card's ATR family (bits 2-3:
// none, 1.0, 1x, 2x: what the command set may send depends on it), byte 1 the number of operations
// (up to 32), then one byte per operation (channel_ops.hpp), then the card's answers: each a 2-byte
// big-endian length and the answer (data + SW1 SW2). When the answers run out the card is removed.
#include "akis/apdu.hpp"
#include "channel_ops.hpp"
#include "card_state.hpp"
#include "input.hpp"

using namespace akis;

namespace {
class ScriptedTransport final : public Transport {
 public:
  ScriptedTransport(fuzz::Input& in, Bytes atr) : in_(in), atr_(std::move(atr)) {}
  Bytes transmit(ByteView apdu) override {
    auto cmd = parse_command(apdu);  // what the channel sends is always a well-formed APDU
    if (!cmd || cmd->data.size() > Channel::kMaxData) __builtin_trap();
    if (in_.empty()) throw CardError(Err::CardRemoved, "script ended");
    auto a = in_.take(in_.u16());
    return Bytes(a.begin(), a.end());
  }
  Bytes atr() const override { return atr_; }
  std::string name() const override { return "Fuzz Reader"; }

 private:
  fuzz::Input& in_;
  Bytes atr_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  static const std::size_t kRecv[] = {Channel::kMaxData, 128, 256, 16};
  static const Bytes kAtr[] = {{}, vcard::atr_for_family("1.0"), vcard::atr_for_family("1x"),
                               vcard::atr_for_family("2x")};
  const std::uint8_t config = in.u8();
  std::size_t max_recv = kRecv[config & 3];
  std::size_t nops = std::min<std::size_t>(in.u8(), 32);
  Bytes ops(nops);
  for (auto& op : ops) op = in.u8();
  ScriptedTransport t(in, kAtr[(config >> 2) & 3]);
  Channel ch(t, Channel::kMaxData, max_recv);
  AkisCommands cmds(ch);
  for (auto op : ops) {
    try {
      fuzz::run_channel_op(cmds, op);
    } catch (const CardError& e) {
      if (e.code() == Err::CardRemoved) break;
    }
  }
  return 0;
}
