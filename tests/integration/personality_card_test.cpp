// SPDX-License-Identifier: LGPL-2.1-or-later
// Each personality is real on the card itself: a fixed APDU script sent to an in-process virtual card gets a
// different transcript with each quirk than without it (so a matrix case that passes did meet the quirk), and
// the model is self-consistent: every path the PKCS#15 directory names can be selected.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "akis/tlv.hpp"
#include "cards.hpp"
#include "ossl.hpp"
#include "personality_support.hpp"
#include "quirks.hpp"
#include "virtual_card.hpp"

using namespace akis;
using namespace akis::test;

namespace {

Bytes apdu(const std::string& hex) { return from_hex(hex); }
Bytes cat(Bytes a, ByteView b, ByteView c) {
  append(a, b);
  append(a, c);
  return a;
}

// One line per command: the answer, with signatures of EC keys (random) reduced to their length and SW.
std::vector<std::string> transcript(const std::string& family, const std::vector<std::string>& quirks) {
  vcard::VirtualCard card(personality_state(family, quirks));
  const Bytes rsa_di = sha256_digest_info(message_with_leading_zero_signature(material_for(family).keys[0].pkcs8));
  std::vector<std::pair<Bytes, bool>> script = {
      {apdu("00A4040007504B43532D313500"), false},                  // SELECT by DF name "PKCS-15"
      {apdu("00A404000CA000000063504B43532D313500"), false},        // SELECT by the full AID
      {apdu("00A40400045049434B00"), false},                        // a name that exists nowhere
      {apdu("00A4080004" "3F002F00" "00"), false},                  // EF.DIR
      {apdu("00B00000F4"), false},
      {apdu("00A40800025015" "00"), false},                         // path without 3F00
      {apdu("00A40800043F005015" "00"), false},                     // path with 3F00
      {apdu("00CA01064D"), false},
      {apdu("00CA01040A"), false},
      {apdu("00A4020002503100"), false},                            // ODF
      {apdu("00B00000F4"), false},
      {apdu("00B0000000"), false},
      {apdu("00A4020002440100"), false}, {apdu("00B00000F4"), false},  // AODF
      {apdu("00A4020002440200"), false}, {apdu("00B00000F4"), false},  // PrKDF
      {apdu("00A4020002440300"), false}, {apdu("00B00000F4"), false},  // PuKDF
      {apdu("00A4020002440400"), false}, {apdu("00B00000F4"), false},  // CDF
      {apdu("00A4020002" "2F10" "00"), false}, {apdu("00B00000F4"), false}, {apdu("00B0000000"), false},
      {apdu("00B0070000"), false},                                  // the end of a certificate
      {apdu("0020008100"), false},                                  // VERIFY without data
      {apdu("0020008106313233343536"), false},                      // VERIFY 123456
      {apdu("0022C301"), false},                                    // MSE without selecting the key
      {apdu("00A4080004" "50150001" "00"), false},                  // the key's path from the PrKDF
      {apdu("0022C301"), false},
      {cat(apdu("002A9E9A33"), rsa_di, apdu("00")), false},             // a signature beginning with 00
      {apdu("00A4080004" "50150002" "00"), false},
      {apdu("0022C302"), false},
      {cat(apdu("002A9E9A20"), sha256(to_bytes("ec")), apdu("00")), true},
      {apdu("10D6000001AA"), false},                                // a chained part
      {apdu("8018000000"), false},                                  // LIST FILES
      {apdu("801A0000"), false},                                    // LOGOUT
      {apdu("0020008106303030303030"), false},                      // three wrong PINs, then blocked
      {apdu("0020008106303030303030"), false},
      {apdu("0020008106303030303030"), false},
      {apdu("0020008106313233343536"), false},
  };
  std::vector<std::string> out;
  for (auto& [cmd, random] : script) {
    Bytes r = card.process(cmd);
    if (random && r.size() >= 2) r = {static_cast<std::uint8_t>(r.size()), r[r.size() - 2], r[r.size() - 1]};
    out.push_back(to_hex(cmd.size() > 12 ? ByteView(cmd).first(12) : ByteView(cmd)) + " -> " + to_hex(r));
  }
  return out;
}

class QuirkOnCard : public ::testing::TestWithParam<std::string> {};

TEST_P(QuirkOnCard, ChangesWhatTheCardAnswers) {
  const auto* info = [&]() -> const vcard::QuirkInfo* {
    for (auto& q : vcard::all_quirks())
      if (GetParam() == q.name) return &q;
    return nullptr;
  }();
  ASSERT_NE(info, nullptr);
  std::string family = info->only_family ? info->only_family : "2x";
  family = family.substr(0, family.find(' '));  // the first family that can have it
  EXPECT_NE(transcript(family, {GetParam()}), transcript(family, {})) << GetParam() << " changes nothing";
}

std::vector<std::string> quirk_names() {
  std::vector<std::string> out;
  for (auto& q : vcard::all_quirks()) out.push_back(q.name);
  return out;
}
INSTANTIATE_TEST_SUITE_P(All, QuirkOnCard, ::testing::ValuesIn(quirk_names()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string n = i.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(Families, DifferInMoreThanTheAtr) {
  auto v10 = transcript("1.0", {}), v1x = transcript("1x", {}), v2x = transcript("2x", {});
  EXPECT_NE(v10, v1x);
  EXPECT_NE(v1x, v2x);
  // 2x selects by partial DF name (ATR selection byte F6), 1x does not (B3).
  vcard::VirtualCard c1(personality_state("1x", {})), c2(personality_state("2x", {}));
  EXPECT_EQ(to_hex(c1.process(apdu("00A40400045043435300"))), "6A82");
  EXPECT_EQ(to_hex(c2.process(apdu("00A4040004504B435300"))).substr(0, 2), "6F");
}

TEST(Families, NoEcKeyBefore2x) {
  for (const char* family : {"1.0", "1x"}) {
    auto o = personality_options(family, {});
    o.ec_key = true;
    EXPECT_THROW(vcard::make_material(o), std::runtime_error) << family;
  }
  EXPECT_THROW(personality_state("2x", {"secure-messaging"}), std::runtime_error);
  EXPECT_THROW(personality_state("2x", {"no-such-quirk"}), std::runtime_error);
}

// Every path in the ODF, PrKDF, PuKDF and CDF selects on the card (the plain card and each quirk alone).
TEST(Directory, EveryNamedPathExists) {
  std::vector<std::vector<std::string>> cards = {{}};
  for (auto& q : vcard::all_quirks())
    if (vcard::quirk_allowed(q, "2x")) cards.push_back({q.name});
  for (const auto& quirks : cards) {
    SCOPED_TRACE(quirks.empty() ? "plain" : quirks[0]);
    auto state = personality_state("2x", quirks);
    vcard::VirtualCard card(state);
    std::vector<Bytes> paths;
    std::function<void(ByteView)> collect = [&](ByteView der) {
      for (auto& t : parse_tlvs(der)) {
        // Path ::= SEQUENCE { efidOrPath OCTET STRING } (2 to 8 bytes here; an iD is 20)
        auto kids = t.constructed ? t.children() : std::vector<Tlv>{};
        if (t.tag == 0x30 && kids.size() == 1 && kids[0].tag == 0x04 && kids[0].value.size() >= 2 &&
            kids[0].value.size() <= 8 && kids[0].value.size() % 2 == 0)
          paths.push_back(kids[0].bytes());
        else if (t.constructed)
          collect(t.value);
      }
    };
    for (std::uint16_t fid : {0x5031, 0x4402, 0x4403, 0x4404}) {
      Bytes p = {0x3F, 0x00, 0x50, 0x15, static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
      if (auto* f = state.file(p)) collect(f->data);
    }
    EXPECT_GE(paths.size(), 7u);
    for (auto& p : paths) {
      Bytes abs = p.size() == 2 ? from_hex("3F005015") : Bytes{};
      append(abs, p);
      Bytes cmd = apdu("00A40800");
      cmd.push_back(static_cast<std::uint8_t>(abs.size()));
      append(cmd, abs);
      cmd.push_back(0x00);
      Bytes r = card.process(cmd);
      EXPECT_EQ(r[r.size() - 2], 0x90) << to_hex(abs) << " named by the directory does not exist";
    }
  }
}

}  // namespace
