// SPDX-License-Identifier: LGPL-2.1-or-later
// The card profile: what the card holds (PINs, keys, certificates) as neutral descriptions,
// read from the PKCS#15 application (ISO/IEC 7816-15). Data-driven: a real card that differs is a change here.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "akis/commands.hpp"
#include "akis/family.hpp"

namespace akis {

// ISO/IEC 7816-15 PinType.
enum class PinType { Bcd = 0, AsciiNumeric = 1, Utf8 = 2, HalfNibbleBcd = 3, Iso9564_1 = 4 };

struct PinInfo {
  std::string label;
  Bytes auth_id;
  std::uint8_t reference = 0;
  std::size_t min_length = 0, max_length = 0;
  bool unblocking = false;  // this is a PUK
  bool local = true;
  // How the card wants the PIN's bytes (AODF pinType, storedLength, padChar, pinFlags needs-padding).
  PinType type = PinType::AsciiNumeric;
  std::size_t stored_length = 0;
  std::uint8_t pad_char = 0x00;
  bool needs_padding = false;
};
// The PIN policy of the card's description (AODF minLength / maxLength, and digits only unless the pinType is
// UTF-8): the one check the module and the tools make before a PIN goes to the card.
enum class PinFormat { Ok, BadLength, NotDigits };
PinFormat pin_format(const PinInfo& pin, const Secret& value);
// The bytes VERIFY / CHANGE / RESET RETRY COUNTER carry for `value` (what the user typed).
// Throws CardError(InvalidArgument) when the value cannot be encoded (not digits for BCD, longer than stored).
Secret encode_pin(const PinInfo& pin, const Secret& value);

enum class KeyType { Rsa, Ec };

// PKCS#15 key usage bits (KeyUsageFlags).
namespace key_usage {
constexpr std::uint32_t kEncrypt = 1u << 0, kDecrypt = 1u << 1, kSign = 1u << 2, kSignRecover = 1u << 3,
                        kWrap = 1u << 4, kUnwrap = 1u << 5, kVerify = 1u << 6, kVerifyRecover = 1u << 7,
                        kDerive = 1u << 8, kNonRepudiation = 1u << 9;
}

struct KeyInfo {
  std::string label;
  Bytes id;               // CKA_ID: shared by the certificate, public key and private key of one pair
  Bytes auth_id;          // the PIN that protects it
  KeyType type = KeyType::Rsa;
  std::uint32_t usage = 0;
  std::uint8_t key_reference = 0;
  bool has_key_reference = true;  // false: the PrKDF names the key by its path only
  std::size_t bits = 0;   // modulus length, or field size for EC (0 when neither a known curve nor explicit params)
  int user_consent = 0;   // > 0: a PIN verification for every use (CKA_ALWAYS_AUTHENTICATE)
  Bytes path;             // where the key lives (private) or its public value file (public); may be empty
};

struct CertInfo {
  std::string label;
  Bytes id;
  bool authority = false;
  Bytes path;             // empty when the CDF carries the certificate as a direct value
  Bytes value;            // the certificate itself, when given directly in the CDF
};

// A PKCS#15 data object (DODF opaqueDO, ISO/IEC 7816-15 DataObject): CommonObjectAttributes label, flags
// (private, modifiable) and authId; CommonDataObjectAttributes applicationName and applicationOID; the value in a
// transparent EF named by a path.
struct DataObjectInfo {
  std::string label;
  Bytes auth_id;
  bool is_private = false;
  bool modifiable = false;
  std::string application;  // applicationName
  Bytes oid;                // applicationOID as DER (06 len value); empty when absent
  Bytes path;               // the EF holding the value
  Bytes dodf;               // the DODF that lists it (set by the reader, not encoded)
};

struct TokenInfo {
  std::string serial;       // TokenInfo serialNumber, as text
  Bytes serial_bytes;       // the same, as stored
  std::string manufacturer;
  std::string label;
};

struct CardProfile {
  AtrInfo atr;
  Bytes card_serial;        // GET DATA serial (12 bytes); TokenInfo's serialNumber when GET DATA is unavailable
  LifeCycle life_cycle = LifeCycle::Other;
  TokenInfo token;
  std::vector<PinInfo> pins;
  std::vector<KeyInfo> private_keys;
  std::vector<KeyInfo> public_keys;
  std::vector<CertInfo> certificates;
  std::vector<Bytes> cdf_paths;  // where certificate descriptions are written
  std::vector<Bytes> dodf_paths; // data object directories (read on first use: Card::read_data_objects)
  std::vector<std::string> skipped;  // PKCS#15 objects left out (malformed or unknown), one line each

  const PinInfo* user_pin() const;
  const PinInfo* puk() const;   // nullptr on cards unblocked online by the issuer (post-2011)
  const PinInfo* pin_by_auth_id(ByteView auth_id) const;
  const KeyInfo* public_key_for(ByteView id) const;
};

// PKCS#15 file parsers (pure functions over file contents; unit-tested and fuzzed). The directory parsers skip
// a malformed or unknown object, adding a line to `skipped` when given, and keep the others.
struct OdfEntries {
  std::vector<Bytes> prkdf, pukdf, cdf, aodf, dodf;
};
OdfEntries parse_odf(ByteView odf);
TokenInfo parse_token_info(ByteView ti);
std::vector<PinInfo> parse_aodf(ByteView aodf, std::vector<std::string>* skipped = nullptr);
std::vector<KeyInfo> parse_prkdf(ByteView prkdf, std::vector<std::string>* skipped = nullptr);
std::vector<KeyInfo> parse_pukdf(ByteView pukdf, std::vector<std::string>* skipped = nullptr);
std::vector<CertInfo> parse_cdf(ByteView cdf, std::vector<std::string>* skipped = nullptr);
// One CDF entry (x509Certificate) for a certificate stored in a transparent EF.
Bytes encode_cdf_entry(const CertInfo& cert);
// DODF: opaque data objects with a path; other kinds (externalIDO, oidDO, direct
// values) are skipped with a line in `skipped`.
std::vector<DataObjectInfo> parse_dodf(ByteView dodf, std::vector<std::string>* skipped = nullptr);
Bytes encode_dodf_entry(const DataObjectInfo& obj);
// Bytes of `file` that hold TLV objects (the rest is 00/FF padding).
std::size_t used_length(ByteView file);

// A signature as PKCS#11 gives it: ECDSA as r||s of the field size (the card may answer a DER SEQUENCE of two
// INTEGERs), RSA left-padded with zeros to the modulus length (the card may strip leading zero bytes).
Bytes normalise_signature(const KeyInfo& key, Bytes sig);

// The certificate's DER: `file` cut to the outer SEQUENCE's length (fixed-size files are padded).
Bytes trim_to_der(ByteView file);

// True when the card has the PKCS#15 application (an e-signature card, not e.g. an ID card): discovery
// (apdu/akis/discovery.cpp) in the order the family's row says; the application found is remembered.
bool has_esign_application(AkisCommands& cmds);
// Reads the whole profile: one pass over the directory files, done once per insertion. `files_read`, when
// given, receives each directory file's raw content by its PKCS#15 path (the cross-process cache keeps them),
// and `sfis` the short EF identifier each one's FCI announced (tag 88; files without one are left out).
// Throws CardError(FileNotFound) when the card has no e-signature application.
CardProfile read_profile(AkisCommands& cmds, ByteView atr, std::map<Bytes, Bytes>* files_read = nullptr,
                         std::map<Bytes, std::uint8_t>* sfis = nullptr);
// The same parse over directory files from elsewhere (a cache): `read` answers a path's content or throws
// CardError(FileNotFound). Life cycle and the GET DATA serial are not in files: the caller sets them.
using FileReader = std::function<Bytes(const Bytes& path)>;
CardProfile profile_from_files(ByteView atr, const FileReader& read);
extern const Bytes kOdfPath, kTokenInfoPath;
// The card's serial: GET DATA on families that have it, else TokenInfo's serialNumber (selects the application).
Bytes read_card_serial(AkisCommands& cmds);

}  // namespace akis
