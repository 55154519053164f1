// SPDX-License-Identifier: LGPL-2.1-or-later
// A recording safe to publish that still replays (docs/field-evidence.md, "Sanitised recordings"): the holder's
// personal fields are replaced by synthetic values of the same length and shape, and each holder certificate is
// re-issued with the same structure, extensions, key usage and public key but a synthetic subject and serial,
// signed by a throw-away test key of the issuer's key type and size. Every value keeps its length, so the
// certificate's DER keeps its length and the file sizes in the FCIs, the CDF and the READ BINARY answers stay
// consistent; a certificate that cannot be re-issued at its length is refused, never left raw.
//
// Replaced: in holder certificates (not CA ones) every subject attribute but the country, the serial number, and
// the names of subjectAltName; the card serial of GET DATA 01 06 (and its hex text, e.g. TokenInfo's
// serialNumber); TokenInfo's serialNumber and label; and every occurrence of these values (and of each word of
// 4+ bytes of the holder's name) anywhere in the card's answers. Kept: structure, FCIs, public keys, key IDs,
// issuer names and CA certificates, signatures the card made. Synthetic values come from an HMAC under the
// holder's report key (akis/redact.hpp): the same card gives the same synthetic values for one holder, and they
// cannot be traced back to the real ones.
#pragma once

#include <string>
#include <vector>

#include "akis/recording.hpp"

namespace akis {

struct SanitiseSummary {
  std::size_t certificates = 0;  // holder certificates re-issued
  std::size_t values = 0;        // personal values replaced (each distinct value once)
  std::size_t answers = 0;       // answers changed
};

// Throws std::invalid_argument when a personal value would stay (a certificate whose signature algorithm or
// length cannot be reproduced, a value still present after replacement), naming the reason.
Recording sanitise(const Recording& raw, SanitiseSummary* summary = nullptr);

}  // namespace akis
