// SPDX-License-Identifier: LGPL-2.1-or-later
// The virtual card's command parser and dispatcher (tools/vcard VirtualCard::process), on a card
// personalised by the generator (AKIS_FUZZ_VCARD_STATE). Input: APDUs, each a 2-byte big-endian length
// and the bytes; a length of 0 resets the card. Both the T=1 and the T=0 behaviour (byte 0, bit 0).
#include <fstream>
#include <sstream>

#include "input.hpp"
#include "virtual_card.hpp"

using namespace akis;

namespace {
const vcard::CardState& state() {
  static const vcard::CardState s = [] {
    std::ifstream in(AKIS_FUZZ_VCARD_STATE);
    std::stringstream ss;
    ss << in.rdbuf();
    return vcard::from_json(ss.str());
  }();
  return s;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)state();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Input in(data, size);
  vcard::CardOptions opts;
  opts.t0 = in.u8() & 1;
  vcard::VirtualCard card(state(), {}, opts);
  for (int n = 0; n < 64 && !in.empty(); ++n) {
    std::size_t len = in.u16();
    if (len == 0) {
      card.reset();
      continue;
    }
    Bytes r = card.process(in.take(len));
    if (r.size() < 2 || r.size() > 65538) __builtin_trap();  // always data + SW1 SW2
  }
  return 0;
}
