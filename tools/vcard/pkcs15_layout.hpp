// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#15 application of a virtual card as files: DF, ODF, TokenInfo, AODF, PrKDF, PuKDF, CDF, certificate,
// public key and private key files, EF.DIR. Every path the directory names exists on the card; the layout quirks
// (quirks.hpp) change what the directory says and how, never into something the card cannot answer.
#pragma once

#include <string>
#include <vector>

#include "card_state.hpp"

namespace akis::vcard {

extern const Bytes kMfPath;        // 3F00
extern const Bytes kAppPath;       // 3F00 5015
extern const Bytes kPkcs15Name;    // "PKCS-15", the tail of the PKCS#15 AID
extern const Bytes kPkcs15Aid;     // A0 00 00 00 63 50 4B 43 53 2D 31 35
extern const Bytes kIssuerAid;     // D7 92 ... (national RID of Turkey, 792): app-by-efdir

struct DirectoryKey {
  std::string label;
  Bytes pkcs8;              // the private key (the directory needs its public half and size)
  Bytes id;
  std::uint8_t ref = 1;
  bool sign = true, decrypt = false, non_repudiation = false;
  Bytes cert_der;
};

struct DirectoryOptions {
  std::string family;
  std::vector<std::string> quirks;
  bool pre2011 = false;
  bool always_authenticate = false;
  std::string token_label;
  Bytes serial;
  Bytes issuer_cert_der;   // the CA certificate (issuer-cert)
};

// Facts the card's PIN and key objects must share with the directory.
std::uint8_t user_pin_ref(const std::vector<std::string>& quirks);  // 81, or 0 with no-pin-reference
constexpr std::uint8_t kPukRef = 0x82;
Bytes key_file_path(std::uint8_t key_ref);                           // 3F00 5015 00 <ref>
std::size_t pin_stored_length(const std::vector<std::string>& quirks);  // 12 with pin-padded, else 0 (unpadded)

// Every file of the application, the application DF first.
std::vector<File> build_application(const DirectoryOptions& o, const std::vector<DirectoryKey>& keys);

}  // namespace akis::vcard
