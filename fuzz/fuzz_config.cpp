// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's configuration file (pkcs11/log.cpp parse_config).
#include <sstream>

#include "log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  auto settings = akis::p11::log::parse_config(in);
  for (auto& [k, v] : settings)
    if (k.empty() || k.find('#') != std::string::npos || v.find('#') != std::string::npos) __builtin_trap();
  return 0;
}
