// The response chain: Channel (61xx GET RESPONSE, 6Cxx re-send, command chaining) and the AKİS command
// set behind a transport whose answers come from the input.
// Input: byte 0 selects the most data bytes per answer (max_recv), byte 1 the number of operations
// (up to 32), then one byte per operation (channel_ops.hpp), then the card's answers: each a 2-byte
// big-endian length and the answer (data + SW1 SW2). When the answers run out the card is removed.
#include "akis/apdu.hpp"
#include "channel_ops.hpp"
#include "input.hpp"

using namespace akis;

namespace {
class ScriptedTransport final : public Transport {
 public:
  explicit ScriptedTransport(fuzz::Input& in) : in_(in) {}
  Bytes transmit(ByteView apdu) override {
    auto cmd = parse_command(apdu);  // what the channel sends is always a well-formed APDU
    if (!cmd || cmd->data.size() > Channel::kMaxData) __builtin_trap();
    if (in_.empty()) throw CardError(Err::CardRemoved, "script ended");
    auto a = in_.take(in_.u16());
    return Bytes(a.begin(), a.end());
  }
  Bytes atr() const override { return {}; }
  std::string name() const override { return "Fuzz Reader"; }

 private:
  fuzz::Input& in_;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  static const std::size_t kRecv[] = {Channel::kMaxData, 128, 256, 16};
  std::size_t max_recv = kRecv[in.u8() % 4];
  std::size_t nops = std::min<std::size_t>(in.u8(), 32);
  Bytes ops(nops);
  for (auto& op : ops) op = in.u8();
  ScriptedTransport t(in);
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
