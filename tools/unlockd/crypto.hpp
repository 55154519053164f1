// SPDX-License-Identifier: LGPL-2.1-or-later
// Cryptography of the unlock service (OpenSSL): codes, password and token hashes, and the demo TLS certificate.
// Card keys live in the issuer token only (token.hpp).
#pragma once

#include <string>

#include "akis/bytes.hpp"

namespace akis::unlockd {

Bytes random_bytes(std::size_t n);
// A uniformly random 15-digit verification code.
std::string new_code();
Bytes hmac_sha256(ByteView key, ByteView data);
Bytes sha256(ByteView data);
Bytes password_hash(const std::string& password, ByteView salt);
bool constant_time_equal(ByteView a, ByteView b);

// A self-signed certificate for 127.0.0.1 / localhost (EC P-256), written as PEM with the key (mode 0600).
void make_self_signed(const std::string& cert_path, const std::string& key_path);

// Reads a file with a hex key, or creates it with `bytes` random bytes (mode 0600). Errors never show the content.
Bytes load_or_create_secret(const std::string& path, std::size_t bytes);

}  // namespace akis::unlockd
