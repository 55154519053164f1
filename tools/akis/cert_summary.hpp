// What a card holder wants to know about a certificate, read with OpenSSL.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

namespace akis::cli {

enum class CertKind { Qualified, Seal, Other };  // NES / Mali Mühür / anything else

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
std::string to_pem(ByteView der);

}  // namespace akis::cli
