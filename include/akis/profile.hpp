// The card profile: what the card holds (PINs, keys, certificates) as neutral descriptions,
// read from the PKCS#15 application (ISO/IEC 7816-15). Data-driven: a real card that differs is a change here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "akis/commands.hpp"

namespace akis {

enum class AtrFamily { Unknown, V1_0, V1_x, V2_x };
struct AtrInfo {
  AtrFamily family = AtrFamily::Unknown;
  std::string version;  // the version bytes of the ATR in hex ("532282"); empty for v1.0. Opaque: shown, not parsed
};
AtrInfo classify_atr(ByteView atr);
const char* to_string(AtrFamily f);

// The PKCS#15 application's DF name (the tail of AID A0 00 00 00 63 50 4B 43 53 2D 31 35; CARD.md).
extern const Bytes kPkcs15DfName;

struct PinInfo {
  std::string label;
  Bytes auth_id;
  std::uint8_t reference = 0;
  std::size_t min_length = 0, max_length = 0;
  bool unblocking = false;  // this is a PUK
  bool local = true;
};

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
  std::size_t bits = 0;   // modulus length, or field size for EC
  int user_consent = 0;   // > 0: a PIN verification for every use (CKA_ALWAYS_AUTHENTICATE)
  Bytes path;             // where the key lives (private) or its public value file (public)
};

struct CertInfo {
  std::string label;
  Bytes id;
  bool authority = false;
  Bytes path;
};

struct TokenInfo {
  std::string serial;       // TokenInfo serialNumber, as text
  std::string manufacturer;
  std::string label;
};

struct CardProfile {
  AtrInfo atr;
  Bytes card_serial;        // GET DATA serial (12 bytes)
  LifeCycle life_cycle = LifeCycle::Other;
  TokenInfo token;
  std::vector<PinInfo> pins;
  std::vector<KeyInfo> private_keys;
  std::vector<KeyInfo> public_keys;
  std::vector<CertInfo> certificates;
  std::vector<Bytes> cdf_paths;  // where certificate descriptions are written

  const PinInfo* user_pin() const;
  const PinInfo* puk() const;   // nullptr on cards unblocked online by the issuer (post-2011)
  const PinInfo* pin_by_auth_id(ByteView auth_id) const;
  const KeyInfo* public_key_for(ByteView id) const;
};

// PKCS#15 file parsers (pure functions over file contents; unit-tested and fuzzed).
struct OdfEntries {
  std::vector<Bytes> prkdf, pukdf, cdf, aodf;
};
OdfEntries parse_odf(ByteView odf);
TokenInfo parse_token_info(ByteView ti);
std::vector<PinInfo> parse_aodf(ByteView aodf);
std::vector<KeyInfo> parse_prkdf(ByteView prkdf);
std::vector<KeyInfo> parse_pukdf(ByteView pukdf);
std::vector<CertInfo> parse_cdf(ByteView cdf);
// One CDF entry (x509Certificate) for a certificate stored in a transparent EF.
Bytes encode_cdf_entry(const CertInfo& cert);
// Bytes of `file` that hold TLV objects (the rest is 00/FF padding).
std::size_t used_length(ByteView file);

// True when the card answers to the PKCS#15 application (an e-signature card, not e.g. an ID card).
bool has_esign_application(AkisCommands& cmds);
// Reads the whole profile: one pass over the directory files, done once per insertion.
// Throws CardError(FileNotFound) when the card has no e-signature application.
CardProfile read_profile(AkisCommands& cmds, ByteView atr);

}  // namespace akis
