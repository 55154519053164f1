// SPDX-License-Identifier: LGPL-2.1-or-later
// What a card holder wants to know about a certificate, read with OpenSSL.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

namespace akis::cli {

enum class CertKind { Qualified, Seal, Other };  // NES / Mali Mühür / anything else
// The --json word of `akis info` and `akis verify`: "qualified", "seal" (national_id is then the tax number) or "other".
const char* kind_json(CertKind k);

struct CertSummary {
  std::string holder;        // subject CN
  std::string organization;  // subject O
  std::string national_id;   // subject serialNumber: T.C. kimlik no (NES) or tax number (seal)
  std::string issuer;        // issuer CN (or the whole name)
  std::string serial;        // hex
  std::string key_type;      // RSA / EC
  int key_bits = 0;
  std::vector<std::string> key_usage;  // digitalSignature, nonRepudiation, ...
  CertKind kind = CertKind::Other;
  std::time_t not_before = 0, not_after = 0;
};

// Throws std::runtime_error when the bytes are not an X.509 certificate.
CertSummary summarise_certificate(ByteView der);
// Whole days from `now` to `t` (negative when past).
long days_until(std::time_t t, std::time_t now);
std::string iso_date(std::time_t t);

// The one rule of when a certificate deserves a warning (the card view of `akis info` and of akis-gui, the
// desktop notice): not yet valid, expired, or fewer than kWarnDays days left.
constexpr long kWarnDays = 30;
enum class Validity { Valid, ExpiresSoon, Expired, NotYetValid };
struct ValidityReport {
  Validity validity = Validity::Valid;
  long days_left = 0;
  std::string warning;  // in the user's language; empty when valid
};
ValidityReport certificate_validity(const CertSummary& s, std::time_t now);
const char* validity_json(Validity v);  // "valid", "expires_soon", "expired", "not_yet_valid"
std::string to_pem(ByteView der);

}  // namespace akis::cli
