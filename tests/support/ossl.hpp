// SPDX-License-Identifier: LGPL-2.1-or-later
// OpenSSL checks used by tests: the virtual card signs with Botan, the tests verify with OpenSSL.
#pragma once

#include <string>

#include "akis/bytes.hpp"

namespace akis::test {

// X.509 DER -> subject one-line text; throws on parse failure.
std::string cert_subject(ByteView der);
// Verifies `cert_der` was issued by the CA in the PEM file (chain of one).
bool cert_verifies_against(ByteView cert_der, const std::string& ca_pem_path);
// Verifies a signature over `data` with the certificate's public key.
// mode: "pkcs1" (RSA PKCS#1 v1.5), "pss" (RSA-PSS, salt = digest length), "ecdsa-raw" (r||s)
bool verify_with_cert(ByteView cert_der, ByteView data, ByteView sig, const std::string& md, const std::string& mode);
// Encrypts with the certificate's RSA public key: "pkcs1" or "oaep" (SHA-1).
Bytes encrypt_with_cert(ByteView cert_der, ByteView plain, const std::string& mode);
// DER DigestInfo for SHA-256 of data.
Bytes sha256_digest_info(ByteView data);
Bytes sha256(ByteView data);
// RSA-PSS encoded message (EMSA-PSS, SHA-256, salt 32) for a raw RSA operation with the cert's key.
Bytes pss_encode_sha256(ByteView cert_der, ByteView data);
// PKCS#1 v1.5 type 2 / OAEP removal from a raw RSA result, with the cert's key size.
Bytes unpad_pkcs1_type2(ByteView block);

}  // namespace akis::test

namespace akis::test {
Bytes hmac_sha256(ByteView key, ByteView msg);
}
