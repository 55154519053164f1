// SPDX-License-Identifier: LGPL-2.1-or-later
#include "quirks.hpp"

#include <algorithm>
#include <stdexcept>

#include "card_state.hpp"

namespace akis::vcard {

const std::vector<QuirkInfo>& all_quirks() {
  static const std::vector<QuirkInfo> table = {
      {"fci-no-security", nullptr, false, "FCI without the proprietary tag 90"},
      {"fci-no-size", nullptr, false, "EF FCI without tag 80/81: read until a short answer, 62 82 or 6B 00"},
      {"fcp-template", nullptr, false, "SELECT answers an FCP template (62) where an FCI (6F) was asked"},
      {"get-data-refused", nullptr, false, "GET DATA 01 06 and 01 04 answer 6A 88"},
      {"get-data-wrong-p1p2", nullptr, false, "GET DATA 01 06 and 01 04 answer 6A 86"},
      {"get-data-short", nullptr, false, "GET DATA 01 06 returns 40 bytes (no serial at offset 55)"},
      {"app-by-path-only", nullptr, false, "the PKCS#15 DF has no name; reachable as 3F00/5015 only"},
      {"app-by-aid-only", nullptr, false, "the PKCS#15 DF is named by the full AID A0 00 00 00 63 50 4B 43 53 2D 31 35"},
      {"app-by-efdir", nullptr, false, "the PKCS#15 DF has an issuer AID (D7 92 ...) announced only in EF.DIR 2F00"},
      {"paths-need-mf", nullptr, false, "SELECT by path only with a leading 3F00 (6A 82 otherwise)"},
      {"odf-relative-paths", nullptr, false, "ODF and directory paths relative to the application DF"},
      {"read-le-strict", nullptr, false, "READ BINARY with Le > 0x80 answers 67 00"},
      {"read-6cxx", nullptr, false, "READ BINARY with Le beyond the end answers 6C xx (xx = bytes left)"},
      {"read-6282", nullptr, false, "READ BINARY with Le beyond the end answers the bytes left with 62 82"},
      {"read-cap-128", nullptr, false, "READ BINARY answers at most 128 bytes with 90 00, even when more remain"},
      {"short-responses", nullptr, false, "at most 128 data bytes per response, the rest through 61 xx"},
      {"no-chaining", nullptr, false, "command chaining refused with 68 84"},
      {"cert-padded", nullptr, false, "certificate EFs are fixed-size files larger than the DER, padded with 00"},
      {"cert-direct-value", nullptr, false, "the CDF carries each certificate as a direct value [0] (no file)"},
      {"ecdsa-der", nullptr, true, "ECDSA signatures as a DER SEQUENCE of two INTEGERs instead of r||s"},
      {"rsa-short-sig", nullptr, false, "RSA signatures and DECIPHER results with leading zero bytes stripped"},
      {"no-pin-reference", nullptr, false, "AODF omits the user PIN's pinReference; the PIN's reference is 0"},
      {"no-key-reference", nullptr, false, "PrKDF omits keyReference; the key is found by its path (select, then PSO)"},
      {"key-path-select", nullptr, false, "MSE only after the key's PrKDF path was selected (6A 88 otherwise)"},
      {"empty-path", nullptr, false, "the PuKDF's public keys have an empty path"},
      {"pin-min-0", nullptr, false, "AODF minLength 0 for the PIN and PUK"},
      {"pin-padded", nullptr, false, "AODF storedLength 12, padChar FF, needs-padding: the card compares 12 padded bytes"},
      {"pin-status-refused", nullptr, false, "VERIFY without data answers 67 00 (no retry counter)"},
      {"cla80-refused", nullptr, false, "class-80 commands (LIST FILES, LOGOUT, CREATE, DELETE) answer 6E 00"},
      {"ec-explicit-params", nullptr, true, "EC keys described with explicit curve parameters, not a named curve"},
      {"fci-extra-tags", nullptr, false, "FCI also carries 8A (life cycle), 85 and a proprietary A5 template"},
      {"no-sfi", "2x", false,
       "no short EF identifiers: no tag 88 in the FCI, READ BINARY with P1 b8 set answers 6B 00 (as on 1.0 and 1x)"},
      {"issuer-cert", nullptr, false, "the CDF also lists the issuer's CA certificate (authority, no key) in 2F20"},
      {"no-pukdf", nullptr, false, "no PuKDF: the ODF names no public key directory (keys from certificates)"},
      {"no-dodf", nullptr, false, "no DODF: the ODF names no data object directory (no CKO_DATA on the card)"},
      {"directory-padded", nullptr, false, "ODF, TokenInfo, AODF, PrKDF, PuKDF, CDF, DODF are fixed-size EFs padded with 00"},
      {"verify-empty-spends", "1.0 1x", false,
       "VERIFY without data is compared as a wrong PIN and costs a try (ISO 7816-4:1995 had no status form)"},
      {"wrong-pin-6300", nullptr, false, "a wrong PIN or PUK answers 63 00 (verification failed, no counter)"},
      {"blocked-6984", nullptr, false, "a blocked PIN or PUK answers 69 84 (reference data not usable) instead of 69 83"},
      {"secure-messaging", "1x", false, "every plain command answers 69 88, VERIFY 69 82"},
  };
  return table;
}

bool quirk_allowed(const QuirkInfo& q, const std::string& family) {
  if (!q.only_family) return true;
  const std::string list = std::string(" ") + q.only_family + " ";
  return list.find(" " + family + " ") != std::string::npos;
}

bool has_quirk(const std::vector<std::string>& quirks, const std::string& name) {
  return std::find(quirks.begin(), quirks.end(), name) != quirks.end();
}

void check_quirks(const std::string& family, const std::vector<std::string>& quirks, bool has_ec_key) {
  for (auto& q : quirks) {
    auto& t = all_quirks();
    auto it = std::find_if(t.begin(), t.end(), [&](const QuirkInfo& i) { return q == i.name; });
    if (it == t.end()) throw std::runtime_error("unknown quirk '" + q + "'");
    if (!quirk_allowed(*it, family))
      throw std::runtime_error("quirk '" + q + "' exists only on family " + it->only_family);
    if (it->needs_ec && !has_ec_key) throw std::runtime_error("quirk '" + q + "' needs an EC key (--ec)");
  }
  auto apps = has_quirk(quirks, "app-by-path-only") + has_quirk(quirks, "app-by-aid-only") +
              has_quirk(quirks, "app-by-efdir");
  if (apps > 1) throw std::runtime_error("choose one of app-by-path-only, app-by-aid-only, app-by-efdir");
}

Behaviour behaviour_for(const CardState& s) {
  Behaviour b;
  auto q = [&](const char* name) { return has_quirk(s.quirks, name); };
  // Family rules. 1.0: OpenSC's driver (card makers', 2007) never probed the PIN counter and selected the
  // key's path before MSE; 2x: the ATR's selection byte F6 announces selection by partial DF name.
  if (s.family == "1.0") {
    b.pin_status = false;
    b.key_path_select = true;
  }
  if (s.family == "2x") b.partial_df_name = true;
  // 2x: the ATR's first software function byte F6 has b3 (short EF identifier supported); 1x's B3 has not, and
  // the 1.0 ATR carries no card capabilities: SFIs on 2x only (the SFIs themselves: pkcs15_layout.cpp).
  b.sfi = s.family == "2x" && !q("no-sfi");
  b.paths_need_mf = q("paths-need-mf");
  b.fci_security = !q("fci-no-security");
  b.fci_size = !q("fci-no-size");
  b.fcp_template = q("fcp-template");
  b.fci_extra_tags = q("fci-extra-tags");
  b.verify_empty_spends = q("verify-empty-spends");
  b.wrong_pin_6300 = q("wrong-pin-6300");
  b.blocked_6984 = q("blocked-6984");
  if (q("read-le-strict")) b.read_le_max = 0x80;
  b.read_6cxx = q("read-6cxx");
  b.read_6282 = q("read-6282");
  if (q("read-cap-128")) b.read_cap = 128;
  if (q("get-data-refused")) b.get_data = Behaviour::GetData::Refused;
  if (q("get-data-wrong-p1p2")) b.get_data = Behaviour::GetData::WrongP1P2;
  if (q("get-data-short")) b.get_data = Behaviour::GetData::Short;
  b.class80 = !q("cla80-refused");
  if (q("pin-status-refused")) b.pin_status = false;
  if (q("key-path-select")) b.key_path_select = true;
  b.ecdsa_der = q("ecdsa-der");
  b.rsa_short_sig = q("rsa-short-sig");
  b.secure_messaging = q("secure-messaging");
  b.chaining = !q("no-chaining");
  if (q("short-responses")) b.max_response = 128;
  return b;
}

}  // namespace akis::vcard
