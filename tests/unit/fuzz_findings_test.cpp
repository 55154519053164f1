// SPDX-License-Identifier: LGPL-2.1-or-later
// Regressions of what the fuzz targets (fuzz/) found, each on the smallest input that shows it.
#include <gtest/gtest.h>

#include "akis/error.hpp"
#include "akis/profile.hpp"
#include "akis/tlv.hpp"
#include "card_state.hpp"

using namespace akis;

namespace {
// One RSA private key entry of a PrKDF with the given modulusLength bytes.
Bytes prkdf_entry(const Bytes& modulus_length) {
  Bytes key_attrs = encode_tlv(0x04, Bytes{0x01});
  append(key_attrs, encode_tlv(0x03, Bytes{0x06, 0x20}));
  append(key_attrs, encode_tlv(0x02, Bytes{0x01}));
  Bytes inner = encode_tlv(0x30, encode_tlv(0x04, from_hex("3F0050154401")));
  append(inner, encode_tlv(0x02, modulus_length));
  Bytes body = encode_tlv(0x30, encode_tlv(0x0C, to_bytes("key")));
  append(body, encode_tlv(0x30, key_attrs));
  append(body, encode_tlv(0xA1, encode_tlv(0x30, inner)));
  return encode_tlv(0x30, body);
}
}  // namespace

// fuzz_card: a modulusLength of 2^40 bits made Card::sign left-pad the card's answer to 128 GiB.
TEST(FuzzFindings, PrkdfModulusLengthBeyondAnyCardIsNotTaken) {
  auto normal = parse_prkdf(prkdf_entry({0x08, 0x00}));
  ASSERT_EQ(normal.size(), 1u);
  EXPECT_EQ(normal[0].bits, 2048u);
  std::vector<KeyInfo> keys;
  try {
    keys = parse_prkdf(prkdf_entry({0x01, 0x00, 0x00, 0x00, 0x00, 0x00}));
  } catch (const CardError& e) {
    EXPECT_EQ(e.code(), Err::Malformed);
  }
  for (auto& k : keys) EXPECT_LE(k.bits, 16384u);
}

// fuzz_vcard_state: a PIN counter of 1e300 in the state file was converted to int (undefined behaviour).
TEST(FuzzFindings, VirtualCardStateWithIntegersOutOfRangeIsRefused) {
  auto state = [](const std::string& tries) {
    return "{\"format\":1,\"family\":\"2x\",\"atr\":\"3B00\",\"serial\":\"0102\",\"life_cycle\":165,\"files\":[],"
           "\"keys\":[],\"auth_keys\":[],\"pins\":[{\"ref\":129,\"df\":\"3F00\",\"value\":\"313233343536\","
           "\"tries_left\":" + tries + ",\"max_tries\":3,\"min_len\":6,\"max_len\":12}]}";
  };
  EXPECT_EQ(vcard::from_json(state("2")).pins.at(0).tries_left, 2);
  for (const char* bad : {"1e300", "2.5", "-1e30", "4294967296", "\"3\""})
    EXPECT_THROW(vcard::from_json(state(bad)), std::runtime_error) << bad;
}
