// SPDX-License-Identifier: LGPL-2.1-or-later
// Personalities of the virtual card: what each ATR family does, and the quirks a real card may have on top.
// One table (quirks.cpp) names every quirk; personalise.cpp builds the layout quirks into the files, the running
// card (virtual_card.cpp) asks behaviour_for() how to answer. docs/card-protocol.md lists them for readers.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace akis::vcard {

struct CardState;

struct QuirkInfo {
  const char* name;
  const char* only_family;  // nullptr: every family; else the families, space-separated
  bool needs_ec;            // meaningful only on a card with an EC key
  const char* meaning;
};
const std::vector<QuirkInfo>& all_quirks();
bool quirk_allowed(const QuirkInfo& q, const std::string& family);
bool has_quirk(const std::vector<std::string>& quirks, const std::string& name);
// Throws std::runtime_error naming the problem: unknown quirk, wrong family, EC quirk without an EC key.
void check_quirks(const std::string& family, const std::vector<std::string>& quirks, bool has_ec_key);

// How the running card answers, from its family and quirks.
struct Behaviour {
  // SELECT
  bool partial_df_name = false;  // 2x: a DF name may be selected by its first bytes (ATR: F6 selection byte)
  bool paths_need_mf = false;    // SELECT by path only with a leading 3F00
  bool fci_security = true;      // proprietary tag 90 in every FCI
  bool fci_size = true;          // tag 80 in EF FCIs
  bool fcp_template = false;     // SELECT P2=00 answers an FCP template (62) instead of an FCI (6F)
  bool fci_extra_tags = false;   // 8A, 85 and A5 in every FCI
  bool sfi = false;              // short EF identifiers: tag 88 in EF FCIs, READ BINARY with P1 b8 (else 6B 00)
  // READ BINARY
  std::size_t read_le_max = 256; // a larger Le is refused with 67 00 (read-le-strict: 0x80)
  bool read_6cxx = false;        // Le beyond the end: 6C xx with the bytes left
  bool read_6282 = false;        // Le beyond the end: the bytes left with 62 82
  std::size_t read_cap = 0;      // > 0: at most this many bytes per answer, with 90 00
  // Other commands
  enum class GetData { Full, Refused, WrongP1P2, Short } get_data = GetData::Full;
  bool class80 = true;           // proprietary class-80 commands (LIST FILES, LOGOUT, CREATE, DELETE)
  bool pin_status = true;        // VERIFY without data reads the counter; false: 67 00
  bool verify_empty_spends = false;  // VERIFY without data is a wrong PIN
  bool wrong_pin_6300 = false;   // a wrong PIN/PUK answers 63 00 (no counter)
  bool blocked_6984 = false;     // a blocked PIN/PUK answers 69 84 (reference data not usable)
  bool key_path_select = false;  // MSE needs the key's file selected first (6A 88 otherwise)
  bool ecdsa_der = false;        // ECDSA answered as a DER SEQUENCE of two INTEGERs
  bool rsa_short_sig = false;    // leading zero bytes of RSA signatures stripped
  bool secure_messaging = false; // plain commands 69 88, VERIFY 69 82
  bool chaining = true;          // command chaining (CLA b5); false: 68 84
  std::size_t max_response = 244;// data bytes per response before 61 xx
};
Behaviour behaviour_for(const CardState& s);

}  // namespace akis::vcard
