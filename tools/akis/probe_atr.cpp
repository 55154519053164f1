// SPDX-License-Identifier: LGPL-2.1-or-later
// The ATR part of `akis probe`: ISO/IEC 7816-3 decoding and the known-ATR list.
#include <set>

#include "akis/family.hpp"
#include "probe.hpp"

namespace akis::cli {

using nlohmann::json;

namespace {
// Published AKİS ATRs (CARD.md: pcsc-tools' smartcard_list.txt, chrome-token-signing, OpenSC's former driver).
// The family patterns of apdu/akis/families.cpp recognise more; an exact match here says someone saw this one.
struct KnownAtr {
  const char* hex;
  const char* what;
};
const KnownAtr kKnown[] = {
    {"3BBA11008131FE4D55454B41452056312E30AE", "AKIS v1.0 (MUEKAE V1.0), pcsc-tools"},
    {"3B9F978131FE458065544353228231C073F621808105" "53", "AKIS 2.5.2, pcsc-tools"},
};
}  // namespace

json describe_atr(ByteView atr) {
  AtrInfo info = classify_atr(atr);
  json j{{"hex", to_hex(atr)},
         {"family", info.family == AtrFamily::Unknown ? json(nullptr) : json(to_string(info.family))},
         {"version", info.version}};
  const std::string hex = to_hex(atr);
  j["known"] = nullptr;
  for (auto& k : kKnown)
    if (hex == k.hex) j["known"] = k.what;
  j["recognised_by"] = info.family == AtrFamily::Unknown ? "nothing: not in the AKIS ATR table"
                       : j["known"].is_null()            ? "the family pattern only (this exact ATR is not published)"
                                                         : "an exact published ATR";
  // ISO/IEC 7816-3 8.2: TS T0 {TAi TBi TCi TDi} historical bytes [TCK].
  json iso;
  if (atr.size() < 2) {
    iso["error"] = "shorter than TS T0";
    j["iso7816_3"] = iso;
    return j;
  }
  iso["ts"] = atr[0] == 0x3B ? "direct convention" : atr[0] == 0x3F ? "inverse convention" : "invalid TS";
  std::size_t k = atr[1] & 0x0F, i = 2;
  std::uint8_t y = atr[1] >> 4;
  std::set<int> protocols;
  json interface = json::array();
  int level = 1;
  bool truncated = false;
  while (y) {
    for (int b = 0; b < 4; ++b) {
      if (!(y & (1 << b))) continue;
      if (i >= atr.size()) {
        truncated = true;
        break;
      }
      const char* names[] = {"TA", "TB", "TC", "TD"};
      interface.push_back(std::string(names[b]) + std::to_string(level) + "=" + to_hex(atr.subspan(i, 1)));
      ++i;
    }
    if (truncated || !(y & 0x08)) break;
    std::uint8_t td = atr[i - 1];
    protocols.insert(td & 0x0F);
    y = td >> 4;
    ++level;
  }
  if (protocols.empty()) protocols.insert(0);
  iso["interface_bytes"] = interface;
  iso["protocols"] = json::array();
  for (int p : protocols) iso["protocols"].push_back("T=" + std::to_string(p));
  if (truncated || i + k > atr.size()) {
    iso["error"] = "the ATR ends inside its interface or historical bytes";
    j["iso7816_3"] = iso;
    return j;
  }
  ByteView hist = atr.subspan(i, k);
  iso["historical_bytes"] = to_hex(hist);
  std::string printable;
  for (auto c : hist) printable += (c >= 0x20 && c < 0x7F) ? static_cast<char>(c) : '.';
  iso["historical_text"] = printable;
  const bool needs_tck = !(protocols.size() == 1 && *protocols.begin() == 0);
  if (needs_tck) {
    if (i + k >= atr.size()) {
      iso["tck"] = "missing";
    } else {
      std::uint8_t x = 0;
      for (std::size_t n = 1; n < atr.size(); ++n) x ^= atr[n];
      iso["tck"] = x == 0 ? "correct" : "wrong";
    }
  }
  if (atr.size() > i + k + (needs_tck ? 1 : 0)) iso["extra_bytes"] = to_hex(atr.subspan(i + k + (needs_tck ? 1 : 0)));
  j["iso7816_3"] = iso;
  return j;
}

}  // namespace akis::cli
