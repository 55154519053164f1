// SPDX-License-Identifier: LGPL-2.1-or-later
// BER-TLV: parse_tlvs and every accessor, recursively, on arbitrary bytes.
#include "akis/error.hpp"
#include "akis/profile.hpp"
#include "akis/tlv.hpp"

namespace {
void walk(const akis::Tlv& t, int depth) {
  try { (void)t.as_uint(); } catch (const akis::CardError&) {}
  try { (void)t.as_bool(); } catch (const akis::CardError&) {}
  (void)t.as_string();
  if (!t.constructed || depth > 32) return;
  for (auto& c : t.children()) walk(c, depth + 1);
  (void)t.find(0x04);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  akis::ByteView in(data, size);
  try {
    for (auto& t : akis::parse_tlvs(in)) {
      walk(t, 0);
      // Re-encoding a parsed value gives a TLV that parses back to the same value.
      akis::Bytes again = akis::encode_tlv(t.tag, t.value);
      std::size_t used = 0;
      akis::Tlv back = akis::parse_tlv(again, used);
      if (used != again.size() || back.tag != t.tag || !std::equal(back.value.begin(), back.value.end(),
                                                                   t.value.begin(), t.value.end()))
        __builtin_trap();
    }
  } catch (const akis::CardError&) {
  }
  try { (void)akis::find_tlv(in, 0x6F); } catch (const akis::CardError&) {}
  try { (void)akis::used_length(in); } catch (const akis::CardError&) {}
  return 0;
}
