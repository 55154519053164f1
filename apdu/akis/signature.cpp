// SPDX-License-Identifier: LGPL-2.1-or-later
// Signature shapes real cards answer with, brought to the one PKCS#11 defines.
#include "akis/error.hpp"
#include "akis/profile.hpp"
#include "akis/tlv.hpp"
#include "akis/trace.hpp"

namespace akis {

namespace {
// SEQUENCE { INTEGER r, INTEGER s } covering all of `sig`, or nothing.
std::optional<std::pair<ByteView, ByteView>> der_ecdsa(ByteView sig) {
  if (sig.size() < 8 || sig[0] != 0x30) return std::nullopt;
  try {
    std::size_t used = 0;
    Tlv seq = parse_tlv(sig, used);
    if (used != sig.size()) return std::nullopt;
    auto kids = seq.children();
    if (kids.size() != 2 || kids[0].tag != 0x02 || kids[1].tag != 0x02) return std::nullopt;
    return std::make_pair(kids[0].value, kids[1].value);
  } catch (const CardError&) {
    return std::nullopt;
  }
}

ByteView strip_zeros(ByteView v) {
  while (!v.empty() && v[0] == 0) v = v.subspan(1);
  return v;
}
}  // namespace

Bytes normalise_signature(const KeyInfo& key, Bytes sig) {
  if (key.type == KeyType::Rsa) {
    std::size_t n = (key.bits + 7) / 8;
    if (n && sig.size() < n) sig.insert(sig.begin(), n - sig.size(), 0x00);
    return sig;
  }
  std::size_t field = (key.bits + 7) / 8;
  if (field && sig.size() == 2 * field) {
    // r||s already, unless it is also a complete DER structure (a DER answer of exactly 2n bytes).
    auto d = der_ecdsa(sig);
    if (!d || strip_zeros(d->first).size() > field || strip_zeros(d->second).size() > field) return sig;
  }
  auto d = der_ecdsa(sig);
  if (!d) return sig;
  ByteView r = strip_zeros(d->first), s = strip_zeros(d->second);
  std::size_t n = field ? field : std::max(r.size(), s.size());
  if (r.size() > n || s.size() > n) throw CardError(Err::Malformed, "ECDSA signature longer than the curve");
  Bytes out(2 * n, 0x00);
  std::copy(r.begin(), r.end(), out.begin() + static_cast<std::ptrdiff_t>(n - r.size()));
  std::copy(s.begin(), s.end(), out.begin() + static_cast<std::ptrdiff_t>(2 * n - s.size()));
  trace::note("ECDSA signature answered in DER: converted to r||s");
  return out;
}

}  // namespace akis
