// SPDX-License-Identifier: LGPL-2.1-or-later
// THE table: what we believe about each AKİS family. Sources per value are in docs/card-protocol.md
// ("Families and their commands"); "Assumption" there means nobody has checked it on a real card yet.
#include "akis/family.hpp"

namespace akis {

namespace {
constexpr int X = -1;  // any byte

// ATR patterns with wildcards (pcsc-tools' smartcard_list.txt, chrome-token-signing, OpenSC's former driver).
struct AtrPattern {
  AtrFamily family;
  std::initializer_list<int> bytes;
  std::size_t version_at, version_len;
};
const AtrPattern kAtrs[] = {
    {AtrFamily::V1_0,
     {0x3B, 0xBA, 0x11, 0x00, 0x81, 0x31, 0xFE, 0x4D, 0x55, 0x45, 0x4B, 0x41, 0x45, 0x20, 0x56, 0x31, 0x2E, 0x30,
      0xAE},
     0, 0},
    {AtrFamily::V1_x,
     {0x3B, 0x9F, X, 0x81, 0x31, 0xFE, 0x45, 0x80, 0x67, 0x55, 0x45, 0x4B, 0x41, 0x45, X, X, 0x31, 0x80, 0x73, 0xB3,
      0xA1, 0x80, X},
     14, 2},
    {AtrFamily::V2_x,
     {0x3B, 0x9F, X, 0x81, 0x31, 0xFE, 0x45, 0x80, 0x65, 0x54, 0x43, X, X, X, 0x31, 0xC0, 0x73, 0xF6, 0x21, 0x80,
      0x81, 0x05, X},
     11, 3},
};

bool matches(ByteView atr, std::initializer_list<int> pattern) {
  if (atr.size() != pattern.size()) return false;
  std::size_t i = 0;
  for (int p : pattern) {
    if (p >= 0 && atr[i] != p) return false;
    ++i;
  }
  return true;
}

using D = Discovery;
constexpr std::array<Discovery, 4> kIsoOrder = {D::DfName, D::FullAid, D::EfDir, D::MfPath};
// OpenSC's PKCS#15 binding (what the v1.0 driver relied on) ends at the default path 3F00/5015; the cheapest
// first step on a card whose DF has no name.
constexpr std::array<Discovery, 4> kPathFirst = {D::MfPath, D::EfDir, D::DfName, D::FullAid};

//                 id               name         akis  serial life  list  logout create
const Family kFamilies[] = {
    // v1.0: what OpenSC's card-akis.c (the card makers' code) sends: GET DATA serial and life cycle, LIST FILES,
    // LOGOUT, CREATE/DELETE; paths sent with their leading 3F00; the key's path selected before MSE.
    {AtrFamily::V1_0, "AKIS v1.0", true, true, true, true, true, true, kPathFirst, 4,
     /*path_with_mf_first=*/true, KeyRefScheme::PrkdfReference, /*select_key_path=*/true,
     PukUnblock::VerifyThenReset, /*pin_probe_read_only=*/false, /*may_need_secure_messaging=*/false},
    // 1.x: the same maker's command set assumed; some versions (reportedly 1.2) may want secure messaging.
    {AtrFamily::V1_x, "AKIS 1.x", true, true, true, true, true, true, kIsoOrder, 4,
     /*path_with_mf_first=*/false, KeyRefScheme::PrkdfReference, /*select_key_path=*/true,
     PukUnblock::VerifyThenReset, /*pin_probe_read_only=*/false, /*may_need_secure_messaging=*/true},
    // 2.x: ISO 7816-4/-15 card (CARD.md's design assumptions), the AKİS commands kept.
    {AtrFamily::V2_x, "AKIS 2.x", true, true, true, true, true, true, kIsoOrder, 4,
     /*path_with_mf_first=*/false, KeyRefScheme::PrkdfReference, /*select_key_path=*/true,
     PukUnblock::VerifyThenReset, /*pin_probe_read_only=*/true, /*may_need_secure_messaging=*/false},
    // Not in the AKİS table: ISO discovery and ISO commands only, never a class-80 or proprietary GET DATA.
    {AtrFamily::Unknown, "unknown", false, false, false, false, false, false, kIsoOrder, 4,
     /*path_with_mf_first=*/false, KeyRefScheme::PrkdfReference, /*select_key_path=*/true,
     PukUnblock::VerifyThenReset, /*pin_probe_read_only=*/false, /*may_need_secure_messaging=*/false},
};
}  // namespace

const char* to_string(AtrFamily f) {
  switch (f) {
    case AtrFamily::V1_0: return "AKIS v1.0";
    case AtrFamily::V1_x: return "AKIS 1.x";
    case AtrFamily::V2_x: return "AKIS 2.x";
    case AtrFamily::Unknown: break;
  }
  return "unknown";
}

const char* to_string(Discovery d) {
  switch (d) {
    case Discovery::DfName: return "DF name PKCS-15";
    case Discovery::FullAid: return "PKCS#15 AID";
    case Discovery::EfDir: return "EF.DIR";
    case Discovery::MfPath: return "path 3F00/5015";
  }
  return "?";
}

AtrInfo classify_atr(ByteView atr) {
  for (const auto& p : kAtrs)
    if (matches(atr, p.bytes)) return {p.family, p.version_len ? to_hex(atr.subspan(p.version_at, p.version_len)) : ""};
  return {AtrFamily::Unknown, ""};
}

const Family& family(AtrFamily f) {
  for (const auto& row : kFamilies)
    if (row.id == f) return row;
  return kFamilies[3];
}

const Family& family_of_atr(ByteView atr) { return family(classify_atr(atr).family); }

}  // namespace akis
