// SPDX-License-Identifier: LGPL-2.1-or-later
// The virtual card's state file (tools/vcard from_json): a file that loads saves back to the same text,
// and a card built from it answers a session's commands without throwing.
#include "akis/profile.hpp"
#include "virtual_card.hpp"

using namespace akis;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  vcard::CardState s;
  try {
    s = vcard::from_json(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const std::runtime_error&) {
    return 0;
  }
  const std::string text = vcard::to_json(s);
  if (vcard::to_json(vcard::from_json(text)) != text) __builtin_trap();
  vcard::VirtualCard card(std::move(s));
  static const char* kSession[] = {"00A4040007504B43532D3135",
                                   "00A40200025031",
                                   "00B0000000",
                                   "00CA01064D",
                                   "0020008106313233343536",
                                   "0022C301",
                                   "002A9E9A20313131313131313131313131313131313131313131313131313131313131313100",
                                   "8018000000",
                                   "0084000008",
                                   "801A0000"};
  for (const char* hex : kSession) (void)card.process(from_hex(hex));
  return 0;
}
