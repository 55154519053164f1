// SPDX-License-Identifier: LGPL-2.1-or-later
// Custody of the issuer master key: a PKCS#11 token (SoftHSM2 in tests and demos, an HSM in production).
// The master key M is an AES-256 key the token never lets out (sensitive, not extractable). For one card the
// token derives K_card = AES-256-ECB(M, SHA-256("AKIS-UNLOCK-V1" || serial)) (CKM_AES_ECB_ENCRYPT_DATA) as a
// session key that cannot be extracted either, signs challenge || serial with it (CKM_SHA256_HMAC) and destroys
// it: neither M nor any K_card is ever in this process's memory. docs/unlock-protocol.md.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "akis/bytes.hpp"

namespace akis::unlockd {

// What the service needs from the key custody: the EXTERNAL AUTHENTICATE cryptogram for one card.
class CardKeys {
 public:
  virtual ~CardKeys() = default;
  // HMAC-SHA256(K_card, challenge || serial)
  virtual Bytes cryptogram(ByteView serial, ByteView challenge) = 0;
};

struct TokenConfig {
  std::string module = "/usr/lib/softhsm/libsofthsm2.so";  // the PKCS#11 module of the HSM
  std::string label = "akis-unlock";                       // token label
  std::string pin_file;  // the user PIN: this file (mode 0600), else AKIS_UNLOCKD_TOKEN_PIN
};

// The label of the master key object in the token.
inline constexpr const char* kMasterKeyLabel = "akis-issuer-master";

// SHA-256("AKIS-UNLOCK-V1" || serial): the data the token encrypts under M to derive K_card.
Bytes diversification_data(ByteView serial);

class IssuerToken final : public CardKeys {
 public:
  explicit IssuerToken(const TokenConfig& c);  // loads the module, finds the token, logs in
  ~IssuerToken() override;
  IssuerToken(const IssuerToken&) = delete;
  IssuerToken& operator=(const IssuerToken&) = delete;

  // One-time import of a master key into the token (refused when the token already has one).
  void import_master(ByteView key);
  // Throws unless the token holds a master key that is sensitive, never extractable, and derives.
  void check_master();
  Bytes cryptogram(ByteView serial, ByteView challenge) override;
  // K_card of one card, for its personalisation (the one place a card key leaves the token): derived as an
  // extractable session key, read, destroyed. The service never calls this.
  Bytes personalisation_key(ByteView serial);

 private:
  unsigned long derive(ByteView serial, bool extractable);  // a session object handle
  struct Impl;
  std::unique_ptr<Impl> p_;
  std::mutex m_;
};

// A master-key file: 64 hex digits (32 bytes), whitespace and CR/LF ignored. Errors never show the content.
Bytes parse_master_key_file(const std::string& path);

}  // namespace akis::unlockd
