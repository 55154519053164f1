#include "akis/profile.hpp"

namespace akis {

namespace {
// Byte pattern with wildcards (-1), compared over the whole ATR except the last byte when `skip_tck`.
bool matches(ByteView atr, std::initializer_list<int> pattern) {
  if (atr.size() != pattern.size()) return false;
  std::size_t i = 0;
  for (int p : pattern) {
    if (p >= 0 && atr[i] != p) return false;
    ++i;
  }
  return true;
}
constexpr int X = -1;
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

AtrInfo classify_atr(ByteView atr) {
  // Families from CARD.md (pcsc-tools' smartcard_list.txt, chrome-token-signing, OpenSC's former AKİS driver).
  if (matches(atr, {0x3B, 0xBA, 0x11, 0x00, 0x81, 0x31, 0xFE, 0x4D, 0x55, 0x45, 0x4B, 0x41, 0x45, 0x20, 0x56,
                    0x31, 0x2E, 0x30, 0xAE}))
    return {AtrFamily::V1_0, ""};
  if (matches(atr, {0x3B, 0x9F, X, 0x81, 0x31, 0xFE, 0x45, 0x80, 0x67, 0x55, 0x45, 0x4B, 0x41, 0x45, X, X, 0x31,
                    0x80, 0x73, 0xB3, 0xA1, 0x80, X}))
    return {AtrFamily::V1_x, to_hex(atr.subspan(14, 2))};
  if (matches(atr, {0x3B, 0x9F, X, 0x81, 0x31, 0xFE, 0x45, 0x80, 0x65, 0x54, 0x43, X, X, X, 0x31, 0xC0, 0x73,
                    0xF6, 0x21, 0x80, 0x81, 0x05, X}))
    return {AtrFamily::V2_x, to_hex(atr.subspan(11, 3))};
  return {AtrFamily::Unknown, ""};
}

}  // namespace akis
