// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#15 parser parse_token_info on arbitrary file contents.
#include "akis/error.hpp"
#include "akis/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto parsed = akis::parse_token_info(akis::ByteView(data, size));
    (void)parsed;
  } catch (const akis::CardError&) {
  }
  return 0;
}
