// Creates a virtual AKİS card: keys generated on the card, certificates issued by a test CA,
// the PKCS#15 application describing them, PIN and PUK (or the issuer unblock key).
#pragma once

#include <string>

#include "card_state.hpp"

namespace akis::vcard {

struct PersonaliseOptions {
  std::string family = "2x";          // 1.0, 1x, 2x
  bool pre2011 = false;               // true: PUK unblock; false: issuer-authorised online unblock
  bool seal = false;                  // Mali Mühür (company seal) instead of a personal NES certificate
  bool esign_app = true;              // false: a card without the e-signature application (national ID style)
  bool ec_key = false;                // add an ECDSA key pair
  std::string ec_curve = "secp256r1"; // or secp384r1
  bool second_rsa = false;            // a second RSA pair (encryption / key agreement, Mali Mühür style)
  bool always_authenticate = false;   // the signing key wants a PIN per signature
  std::string holder = "AYŞE GÜL YILDIRIM";
  std::string national_id;            // T.C. kimlik no (NES) or tax number (seal); generated when empty
  std::string company = "ÖRNEK BİLİŞİM ANONİM ŞİRKETİ";
  std::string pin = "123456";
  std::string puk = "87654321";
  int valid_from_days = -1;           // certificate notBefore relative to now
  int valid_days = 3 * 365;           // certificate lifetime
  std::string ca_dir;                 // holds ca-cert.pem / ca-key.pem; created when missing
  std::string issuer_master_file;     // post-2011: issuer master key (hex); created when missing
  std::string serial_hex;             // 12 bytes; random when empty
};

CardState personalise(const PersonaliseOptions& opts);

// The issuer's card-specific unblock key: HMAC-SHA256(master, "AKIS-UNLOCK-V1" || serial).
// The unlock service derives the same key from the master and the serial (docs/unlock-protocol.md).
Bytes diversify_unblock_key(ByteView master, ByteView serial);

// A valid 11-digit T.C. kimlik number from 9 random digits (the public check-digit rule).
std::string make_tc_kimlik_no();

}  // namespace akis::vcard
