// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's cross-process cache file (pkcs11/public_cache.cpp decode), and the profile a decoded file would
// give (akis::profile_from_files, the parsers a card's directory goes through): a hostile file is refused or
// parsed, never a crash; what decodes encodes back to the same content.
#include "akis/error.hpp"
#include "public_cache.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto c = akis::p11::public_cache::decode(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!c) return 0;
  auto again = akis::p11::public_cache::decode(akis::p11::public_cache::encode(*c));
  if (!again || again->directory != c->directory || again->files != c->files || again->serial != c->serial ||
      again->sfi != c->sfi || again->read_le != c->read_le || again->app.path != c->app.path ||
      again->app.df_name != c->app.df_name || again->app.how != c->app.how)
    __builtin_trap();
  try {
    akis::profile_from_files(c->atr, [&](const akis::Bytes& path) {
      auto it = c->directory.find(path);
      if (it == c->directory.end()) throw akis::CardError(akis::Err::FileNotFound, "not cached");
      return it->second;
    });
  } catch (const akis::CardError&) {
  }
  return 0;
}
