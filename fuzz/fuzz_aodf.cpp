// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#15 parser parse_aodf on arbitrary file contents.
#include "akis/error.hpp"
#include "akis/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto parsed = akis::parse_aodf(akis::ByteView(data, size));
    (void)parsed;
  } catch (const akis::CardError&) {
  }
  return 0;
}
