// SPDX-License-Identifier: LGPL-2.1-or-later
// Creates a virtual AKİS card: keys generated on the card, certificates issued by a test CA,
// the PKCS#15 application describing them, PIN and PUK (or the issuer unblock key).
#pragma once

#include <string>
#include <vector>

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
  std::string card_key_file;          // post-2011: this card's unblock key (`akis-unlockd card-key`); needs serial_hex
  std::string serial_hex;             // 12 bytes; random when empty
  std::vector<std::string> quirks;    // personality on top of the family (quirks.hpp)
};

// The slow part of personalising: key pairs made on the card, certificates from the test CA, the serial and
// the issuer's unblock key. One material serves many cards that differ only in layout and quirks.
struct KeyMaterial {
  std::string label;
  Bytes pkcs8;
  Bytes id;                           // SHA-1 of the public key: CKA_ID
  bool sign = true, decrypt = false, non_repudiation = false;
  Bytes cert_der;                     // exactly the DER the card holds (before any padding quirk)
};
struct CardMaterial {
  Bytes serial;
  std::vector<KeyMaterial> keys;
  Bytes unblock_key;                  // post-2011 only
  Bytes issuer_cert_der;              // the test CA's certificate (the issuer-cert quirk stores it)
};
CardMaterial make_material(const PersonaliseOptions& opts);
// The fast part: files, PKCS#15 directory, PIN and key objects and the personality. `m` must come from
// make_material with the same key options (family, pre2011, seal, ec, two keys).
CardState build_card(const PersonaliseOptions& opts, const CardMaterial& m);
CardState personalise(const PersonaliseOptions& opts);  // build_card(opts, make_material(opts))

// The issuer's card-specific unblock key: HMAC-SHA256(master, "AKIS-UNLOCK-V1" || serial).
// The unlock service derives the same key from the master and the serial (docs/unlock-protocol.md).
Bytes diversify_unblock_key(ByteView master, ByteView serial);

// A valid 11-digit T.C. kimlik number from 9 random digits (the public check-digit rule).
std::string make_tc_kimlik_no();

}  // namespace akis::vcard
