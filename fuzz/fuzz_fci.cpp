// SPDX-License-Identifier: LGPL-2.1-or-later
// The FCI of a SELECT answer (parse_fci).
#include "akis/commands.hpp"
#include "akis/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    akis::FileInfo fi = akis::parse_fci(akis::ByteView(data, size));
    (void)fi;
  } catch (const akis::CardError&) {
  }
  return 0;
}
