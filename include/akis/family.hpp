// SPDX-License-Identifier: LGPL-2.1-or-later
// What we believe about each AKİS card family, recognised by its ATR: one row per family in one table
// (apdu/akis/families.cpp). A person with a real card that behaves differently changes one field there.
// docs/card-protocol.md gives the source of every value ("Assumption" where there is none).
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "akis/bytes.hpp"

namespace akis {

enum class AtrFamily { Unknown, V1_0, V1_x, V2_x };
struct AtrInfo {
  AtrFamily family = AtrFamily::Unknown;
  std::string version;  // the version bytes of the ATR in hex ("532282"); empty for v1.0. Opaque: shown, not parsed
};
AtrInfo classify_atr(ByteView atr);
const char* to_string(AtrFamily f);

// Ways to find the PKCS#15 application, tried in the order a family lists them.
enum class Discovery {
  DfName,   // SELECT by DF name "PKCS-15" (the tail of the PKCS#15 AID)
  FullAid,  // SELECT by the full AID A0 00 00 00 63 50 4B 43 53 2D 31 35
  EfDir,    // EF.DIR 2F00 under the MF: application templates (61) with AID (4F) and path (51)
  MfPath,   // SELECT by path 3F00/5015
};
const char* to_string(Discovery d);

// How a private key is named to MSE.
enum class KeyRefScheme {
  PrkdfReference,  // MSE 00 22 C3 <keyReference from the PrKDF>; no keyReference: the key's path is selected and
                   // MSE is left out (the selected key file is the key), as OpenSC's driver did
};

// How a blocked PIN is unblocked with the PUK.
enum class PukUnblock {
  VerifyThenReset,  // VERIFY <PUK ref> <PUK>, then RESET RETRY COUNTER 00 2C 02 <PIN ref> <new PIN> (ISO 7816-4)
  None,             // no PUK unblock on this family
};

struct Family {
  AtrFamily id = AtrFamily::Unknown;
  const char* name = "";
  bool akis = false;                  // the ATR is in the AKİS table: class-80 commands may be sent at all
  bool get_data_serial = false;       // GET DATA 00 CA 01 06 (card serial at bytes 55..66)
  bool get_data_life_cycle = false;   // GET DATA 00 CA 01 04 (byte 6: A0 admin, A5 user)
  bool list_files = false;            // LIST FILES 80 18
  bool logout = false;                // LOGOUT 80 1A
  bool create_delete = false;         // CREATE EF 80 15 / DELETE FILE 80 16
  std::array<Discovery, 4> discovery{};
  std::size_t discovery_steps = 0;
  bool path_with_mf_first = false;    // SELECT by path: try the path with a leading 3F00 first (OpenSC's driver)
  KeyRefScheme key_refs = KeyRefScheme::PrkdfReference;
  bool select_key_path = false;       // select the key's PrKDF path before MSE
  // PIN encoding when the AODF says nothing (no pinType): ASCII digits, no padding (ISO 7816-15 defaults are
  // taken from the AODF whenever it gives them).
  PukUnblock puk_unblock = PukUnblock::None;
  bool pin_probe_read_only = false;   // VERIFY without data is known to spend no try: used to read the counters
  bool may_need_secure_messaging = false;  // 69 87 / 69 88 (or 69 82 on VERIFY) mean "secure messaging needed"
};

// The row for a family, and for a card by its ATR (Unknown: ISO only, nothing proprietary).
const Family& family(AtrFamily f);
const Family& family_of_atr(ByteView atr);

}  // namespace akis
