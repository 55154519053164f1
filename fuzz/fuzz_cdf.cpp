// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#15 parser parse_cdf on arbitrary file contents; every certificate in a file it finds survives
// encode_cdf_entry (the writer used by C_CreateObject, which always writes a file path) and parses back the same.
#include "akis/error.hpp"
#include "akis/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<akis::CertInfo> certs;
  try {
    certs = akis::parse_cdf(akis::ByteView(data, size));
  } catch (const akis::CardError&) {
    return 0;
  }
  for (auto& c : certs) {
    if (c.path.empty()) continue;  // a certificate without a file of its own is never written
    auto back = akis::parse_cdf(akis::encode_cdf_entry(c));
    if (back.size() != 1 || back[0].label != c.label || back[0].id != c.id || back[0].path != c.path ||
        back[0].authority != c.authority)
      __builtin_trap();
  }
  return 0;
}
