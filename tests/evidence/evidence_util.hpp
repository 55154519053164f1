// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared pieces of the evidence tests (probe, redaction, replay): cards, key directories, forbidden strings.
#pragma once

#include <cstdlib>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "akis/card.hpp"
#include "akis/redact.hpp"
#include "cards.hpp"
#include "in_process.hpp"
#include "probe.hpp"

namespace akis::test {

// A virtual card personality: family ("1.0", "1x", "2x"), quirks (tools/vcard/quirks.hpp), PUK or post-2011.
struct Case {
  std::string family;
  std::vector<std::string> quirks;
  bool puk = true;
};
inline void PrintTo(const Case& c, std::ostream* os) {
  *os << c.family;
  for (auto& q : c.quirks) *os << "+" << q;
  *os << (c.puk ? "" : " post-2011");
}

// The holder's report key lives in $XDG_CONFIG_HOME/akis: each test picks its own directory.
inline void use_key_dir(const std::string& dir) {
  ::setenv("XDG_CONFIG_HOME", dir.c_str(), 1);
  redact::reset_for_tests();
}

// Everything a report must not contain about `values`: the text, upper/lower hex of its bytes (with and without
// spaces), its UTF-16BE (BMPString) hex, and for hex strings the bytes they spell.
inline std::vector<std::string> encodings(const std::string& value) {
  std::vector<std::string> out = {value};
  auto hex_forms = [&](ByteView b) {
    std::string up = to_hex(b), sp = to_hex(b, ' ');
    std::string low = up, lsp = sp;
    for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : lsp) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& s : {up, sp, low, lsp}) out.push_back(s);
  };
  hex_forms(view(value));
  Bytes utf16;
  for (unsigned char c : value) {  // ASCII and Latin-1 range only: enough for digits and the hex forms
    utf16.push_back(0);
    utf16.push_back(c);
  }
  hex_forms(utf16);
  return out;
}

// What the card layer read, as text: equal for a live card and its replay.
inline std::string profile_summary(Card& card) {
  const CardProfile& p = card.profile();
  std::ostringstream s;
  s << to_hex(p.card_serial) << " " << p.token.serial << " " << p.token.label << " skipped " << p.skipped.size() << "\n";
  for (auto& pin : p.pins) s << "pin " << pin.label << " " << int(pin.reference) << " " << pin.min_length << "\n";
  for (auto& k : p.private_keys) s << "key " << k.label << " " << to_hex(k.id) << " " << k.bits << "\n";
  for (auto& k : p.public_keys) s << "pub " << to_hex(k.id) << " " << (k.path.empty() ? "" : to_hex(card.public_key(k))) << "\n";
  for (auto& c : p.certificates) s << "cert " << c.label << " " << to_hex(card.certificate(c)) << "\n";
  return s.str();
}

}  // namespace akis::test
