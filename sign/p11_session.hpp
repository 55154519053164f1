// SPDX-License-Identifier: LGPL-2.1-or-later
// One PKCS#11 session of the loaded module, and the OpenSSL keys that sign through it.
#pragma once

#include <openssl/evp.h>
#include <p11-kit/pkcs11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "akis/bytes.hpp"
#include "akis/sign/token.hpp"

namespace akis::sign {

TokenError p11_error(CK_RV rv, const std::string& what);

struct P11Session {
  CK_FUNCTION_LIST* f = nullptr;
  CK_SESSION_HANDLE session = 0;

  static void check(CK_RV rv, const char* what);
  std::vector<CK_OBJECT_HANDLE> find(CK_OBJECT_CLASS cls, const Bytes* id = nullptr);
  Bytes attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type);
  // C_SignInit + C_Sign with a mechanism without parameters.
  Bytes sign(CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech, ByteView data);
};

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// An RSA or EC key with the public part of `cert_der` whose signatures are made by C_Sign on `key`
// (CKM_RSA_PKCS over the DigestInfo, CKM_ECDSA over the digest). `s` must outlive the key.
PkeyPtr make_card_key(P11Session& s, CK_OBJECT_HANDLE key, const Bytes& cert_der);
// The card's error behind the last failed signature callback on this thread (wrong state, removal), once.
std::optional<TokenError> take_sign_error();

}  // namespace akis::sign
