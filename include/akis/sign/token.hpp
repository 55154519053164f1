// SPDX-License-Identifier: LGPL-2.1-or-later
// A signing key on a card, reached through our PKCS#11 module loaded like any application loads it
// (dlopen + C_GetFunctionList). No shortcut into the card layer.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

namespace akis::sign {

// Why a token operation failed; `rv` is the module's CK_RV (0 when the failure is not the module's).
enum class TokenErr {
  NoModule,     // the module could not be loaded
  NoToken,      // no slot with a token (or not the one in --reader)
  NoCert,       // no certificate matches --cert, or the card holds no signing certificate
  WrongPin,     // CKR_PIN_INCORRECT
  PinLocked,    // CKR_PIN_LOCKED
  PinPolicy,    // CKR_PIN_LEN_RANGE
  Removed,      // CKR_DEVICE_REMOVED / CKR_TOKEN_NOT_PRESENT / CKR_SESSION_HANDLE_INVALID
  Failed,       // any other error of the module
};
struct TokenError : std::runtime_error {
  TokenError(TokenErr c, unsigned long r, const std::string& m) : std::runtime_error(m), code(c), rv(r) {}
  TokenErr code;
  unsigned long rv;
};

// One certificate of the token with its key.
struct TokenCert {
  Bytes id;             // CKA_ID
  std::string label;    // the certificate's CKA_LABEL
  Bytes der;            // the certificate
  bool non_repudiation = false;  // keyUsage nonRepudiation (the NES / Mali Mühür certificate)
  bool has_key = false;          // a private key with the same CKA_ID exists (visible after login())
};

// The PKCS#11 module: $AKIS_PKCS11_MODULE, else the installed akis-pkcs11.so.
std::string default_module_path();

class Token {
 public:
  // Loads the module and opens a session on the first slot with a token whose slot description contains
  // `reader` (any slot when empty). Throws TokenError.
  static std::unique_ptr<Token> open(const std::string& module_path, const std::string& reader = {});
  virtual ~Token() = default;

  virtual std::vector<TokenCert> certificates() = 0;
  // `selector`: a hex CKA_ID or a label; empty: the first non-repudiation certificate with a key, else the first
  // certificate with a key. Throws TokenError(NoCert).
  virtual TokenCert choose(const std::string& selector) = 0;
  virtual std::string token_label() = 0;
  // C_Login as the user; call before certificates()/choose() so that the private keys are seen.
  virtual void login(const Secret& pin) = 0;
  // An EVP_PKEY whose private operations (RSA PKCS#1 v1.5 signature over a DigestInfo, ECDSA over a digest)
  // are done by the card through C_Sign with the key of `cert`. Usable with CMS_sign, EVP_DigestSign and
  // xmlsec's OpenSSL back end. Needs login() first; the key must not outlive the Token.
  virtual EVP_PKEY* private_key(const TokenCert& cert) = 0;  // owned by the Token
};

}  // namespace akis::sign
