// SPDX-License-Identifier: LGPL-2.1-or-later
// The cross-process cache of a card's public content (issue 12 item 3): one file per card serial under
// $XDG_CACHE_HOME/akis (else ~/.cache/akis), directory 0700 and file 0600, both verified to be this user's and
// not links. Holds only what anyone can read from the card without a PIN (directory files, certificates,
// public keys): no PIN state, nothing private. A file that does not parse is ignored (and later rewritten).
#pragma once

#include <optional>
#include <string>

#include "akis/card.hpp"

namespace akis::p11::public_cache {

// Text format, one field per line: the version line, then "atr", "serial", "life", "app" (how, DF name, path),
// "read_le", and "dir" / "file" lines with a path and its content, "sfi" lines with a directory file's path and
// short EF identifier; bytes in hex. nullopt for anything else (at most kMaxSize bytes are read).
constexpr std::size_t kMaxSize = 1 << 20;
std::string encode(const PublicContent& c);
std::optional<PublicContent> decode(std::string_view text);

// The file of the card with this serial ("" when no private cache directory can be had).
std::string path_for(ByteView serial);
std::optional<PublicContent> load(ByteView serial);
// Written to a temporary file and renamed: a reader never sees half a file. Failures are logged, not thrown.
void store(const PublicContent& c);
void remove(ByteView serial);
// True when the cache directory holds any card's file: only then is a fresh card asked for its serial before
// anything else (a first contact costs no command more than without the cache).
bool any();

}  // namespace akis::p11::public_cache
