// SPDX-License-Identifier: LGPL-2.1-or-later
// The persistent state of a virtual AKİS card: files, PIN objects, keys. Saved atomically as JSON.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

namespace akis::vcard {

// Access condition of one operation on a file.
enum class Access { Always, Never, Pin };

struct File {
  Bytes path;             // full path from the MF, 3F00 included
  bool is_df = false;
  Bytes df_name;          // DFs only
  Bytes data;             // EFs only
  bool internal = false;  // an internal EF holding a private key: never readable, selectable by its path
  Access read = Access::Always;
  Access write = Access::Never;
  std::uint8_t pin_ref = 0x81;  // the PIN that opens Access::Pin
  std::uint8_t sfi = 0;         // EFs: short EF identifier 1..30 in its DF (0: none), given at personalisation
};

struct PinObject {
  std::uint8_t ref = 0x81;
  Bytes df;               // the DF this local PIN belongs to
  Bytes value;            // ASCII digits
  int tries_left = 3;
  int max_tries = 3;
  std::size_t min_len = 6, max_len = 12;
  std::size_t stored_len = 0;                // > 0: the card compares values padded to this length
  std::uint8_t pad_char = 0xFF;
  std::optional<std::uint8_t> puk_ref;       // pre-2011: this PUK unblocks it
  std::optional<std::uint8_t> unblock_key;   // post-2011: this EXTERNAL AUTHENTICATE key authorises unblock
};

struct KeyObject {
  std::uint8_t ref = 1;
  Bytes df;
  Bytes path;             // the internal EF holding it (the PrKDF's path); empty: addressed by reference only
  std::string type;       // "rsa" or "ec"
  Bytes pkcs8;            // the private key; never leaves the card through any command
  std::uint8_t pin_ref = 0x81;
  bool user_consent = false;  // one PIN verification per use
  bool can_sign = true;
  bool can_decrypt = false;
};

struct AuthKey {        // issuer key for EXTERNAL AUTHENTICATE
  std::uint8_t ref = 1;
  Bytes secret;         // card-specific key, diversified from the issuer master key by the card serial
  int tries_left = 10;
  int max_tries = 10;
};

struct CardState {
  int format = 1;
  std::string family = "2x";  // "1.0", "1x", "2x"
  Bytes atr;
  Bytes serial;               // 12 bytes
  std::uint8_t life_cycle = 0xA5;
  std::vector<File> files;
  std::vector<PinObject> pins;
  std::vector<KeyObject> keys;
  std::vector<AuthKey> auth_keys;
  std::vector<std::string> quirks;  // personality on top of the family (quirks.hpp)

  File* file(ByteView path);
  PinObject* pin(std::uint8_t ref);
  KeyObject* key(std::uint8_t ref);
  AuthKey* auth_key(std::uint8_t ref);
};

std::string to_json(const CardState& s);
CardState from_json(const std::string& text);  // throws std::runtime_error on a malformed file

// Crash-safe save: write a temporary file, fsync, rename over the old one, fsync the directory.
// After a crash at any instant the file holds the old or the new state, never a mix.
void save_atomically(const CardState& s, const std::string& path);
CardState load(const std::string& path);
// The temporary file save_atomically() writes before renaming, and the removal of one left by a killed save.
std::string temp_path_for(const std::string& path);
void remove_stale_temp(const std::string& path);

// ATRs of the three families (CARD.md); `t0` selects the T=0 variant of the interface bytes where possible.
Bytes atr_for_family(const std::string& family);

}  // namespace akis::vcard
