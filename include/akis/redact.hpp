// SPDX-License-Identifier: LGPL-2.1-or-later
// Personal data in what a holder sends us (probe reports, APDU traces): replaced by its length and a keyed hash.
// The key is random, made on first use and kept in the holder's own configuration directory
// ($XDG_CONFIG_HOME/akis/report-key, else ~/.config/akis/report-key, mode 0600): two reports of one card by one
// holder carry the same hashes, and nobody without the key can test guesses (a T.C. Kimlik No has ~10^9 values).
#pragma once

#include <string>

#include "akis/bytes.hpp"

namespace akis::redact {

// Where the key lives (the file may not exist yet).
std::string key_path();
// The key, read from key_path() or created there. When the directory cannot be written, a key for this process
// only (the hashes then match within one run, never across runs). Thread safe; read once per process.
const Bytes& key();
// Tests: forget the key read, so the next call reads key_path() again.
void reset_for_tests();

// HMAC-SHA256 of `data` under key(), the first 8 bytes in hex (16 digits).
std::string tag(ByteView data);
inline std::string tag(const std::string& s) { return tag(view(s)); }
// "<N bytes #0123456789abcdef>": what replaces personal data in traces and reports.
std::string placeholder(ByteView data);

}  // namespace akis::redact
