// SPDX-License-Identifier: LGPL-2.1-or-later
// CAdES-BES (ETSI EN 319 122-1 baseline B) signatures and their verification, with OpenSSL 3's CMS.
// Signing: content type, signing time, message digest and signing-certificate-v2 as signed attributes,
// SHA-256; the signature made by the card through the Token's EVP_PKEY. Optional RFC 3161 timestamp
// (CAdES-T) as the unsigned attribute id-aa-signatureTimeStampToken.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace akis::sign {

struct CadesOptions {
  bool detached = false;     // true: .p7s without the content; false: .imz with the content inside
  std::string tsa_url;       // http(s) URL of an RFC 3161 time-stamping authority; empty: no timestamp
  std::string tsa_ca_file;   // CA file for an https TSA (empty: the system's)
};

// Signs `content` with `key` (Token::private_key) and the certificate `cert_der`; `chain_der` are extra
// certificates to include (the issuing CA). Returns the DER of the ContentInfo. Throws std::runtime_error.
Bytes cades_sign(EVP_PKEY* key, ByteView cert_der, ByteView content, const CadesOptions& o = {},
                 const std::vector<Bytes>& chain_der = {});

// Adds a timestamp over the signature value of the (first) signer to a CAdES signature (CAdES-T).
Bytes cades_add_timestamp(ByteView cms_der, const std::string& tsa_url, const std::string& tsa_ca_file = {});

enum class ChainResult { Trusted, Untrusted, NotChecked };  // NotChecked: no anchors given

struct Verification {
  bool signature_valid = false;  // the CMS signature and the message digest match (the content is unchanged)
  std::string error;             // why not, in OpenSSL's words
  Bytes signer_cert;             // DER
  std::optional<std::time_t> signing_time;
  bool has_signing_cert_v2 = false;  // the ESS attribute is present and names the signer certificate
  // RFC 3161 timestamp (if any)
  bool has_timestamp = false;
  bool timestamp_valid = false;   // its imprint matches the signature value and the TSA's signature verifies
  std::optional<std::time_t> timestamp_time;
  std::string timestamp_error;
  ChainResult chain = ChainResult::NotChecked;
  std::string chain_error;
  Bytes content;                 // the signed content (attached, or the one given)
};

// Verifies a CMS/CAdES signature. `detached_content`: the data for a detached signature (nullopt: attached).
// `anchors`: PEM or DER files, or directories of them, trusted as roots (and intermediates); empty: the chain
// is not checked. Never throws for a bad signature (see Verification); throws std::runtime_error when the
// input is not a CMS SignedData at all.
Verification cades_verify(ByteView cms_der, const std::optional<Bytes>& detached_content,
                          const std::vector<std::string>& anchors);

// Certificates from PEM or DER files, or every *.pem/*.crt/*.cer/*.der in a directory (throws if none).
std::vector<Bytes> load_certificates(const std::string& file_or_dir);

}  // namespace akis::sign
