// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#15 parser parse_dodf on arbitrary file contents; every data object it finds survives
// encode_dodf_entry (the writer used by C_CreateObject and C_SetAttributeValue) and parses back the same.
#include "akis/error.hpp"
#include "akis/profile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<akis::DataObjectInfo> objects;
  try {
    objects = akis::parse_dodf(akis::ByteView(data, size));
  } catch (const akis::CardError&) {
    return 0;
  }
  for (auto& d : objects) {
    auto back = akis::parse_dodf(akis::encode_dodf_entry(d));
    if (back.size() != 1 || back[0].label != d.label || back[0].auth_id != d.auth_id ||
        back[0].is_private != d.is_private || back[0].modifiable != d.modifiable ||
        back[0].application != d.application || back[0].oid != d.oid || back[0].path != d.path)
      __builtin_trap();
  }
  return 0;
}
