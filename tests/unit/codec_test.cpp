// SPDX-License-Identifier: LGPL-2.1-or-later
#include <gtest/gtest.h>

#include "akis/apdu.hpp"
#include "akis/error.hpp"
#include "akis/tlv.hpp"

using namespace akis;

TEST(Hex, RoundTripAndErrors) {
  EXPECT_EQ(to_hex(from_hex("3f 00:a4")), "3F00A4");
  EXPECT_EQ(to_hex(from_hex("0102"), ' '), "01 02");
  EXPECT_THROW(from_hex("123"), std::invalid_argument);
  EXPECT_THROW(from_hex("zz"), std::invalid_argument);
}

TEST(Secret, WipesAndChecksDigits) {
  Secret s("123456");
  EXPECT_TRUE(s.all_digits());
  EXPECT_FALSE(Secret("12a456").all_digits());
  Secret moved = std::move(s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(moved.size(), 6u);
  moved.wipe();
  EXPECT_TRUE(moved.empty());
}

TEST(Command, EncodesAllShortCases) {
  Command c1;
  c1.cla = 0x80, c1.ins = 0x1A;
  EXPECT_EQ(to_hex(c1.encode()), "801A0000");
  Command c2;
  c2.ins = 0xB0, c2.le = 256;
  EXPECT_EQ(to_hex(c2.encode()), "00B0000000");
  Command c3;
  c3.ins = 0x20, c3.p2 = 0x81, c3.data = from_hex("313233343536");
  EXPECT_EQ(to_hex(c3.encode()), "0020008106313233343536");
  Command c4;
  c4.ins = 0xA4, c4.p1 = 0x02, c4.data = from_hex("5031"), c4.le = 256;
  EXPECT_EQ(to_hex(c4.encode()), "00A4020002503100");
}

TEST(Command, EncodesExtendedWhenNeeded) {
  Command c;
  c.ins = 0x2A, c.data = Bytes(300, 0xAB), c.le = 256;
  Bytes e = c.encode();
  ASSERT_EQ(e.size(), 4u + 3 + 300 + 2);
  EXPECT_EQ(e[4], 0x00);
  EXPECT_EQ(be16(e, 5), 300);
  EXPECT_EQ(be16(e, e.size() - 2), 256);
}

TEST(Command, ParseRoundTripsEveryCase) {
  for (std::size_t n : {0u, 1u, 200u, 255u, 256u, 600u}) {
    for (std::optional<std::size_t> le : {std::optional<std::size_t>{}, std::optional<std::size_t>{1},
                                          std::optional<std::size_t>{256}, std::optional<std::size_t>{1000}}) {
      Command c;
      c.cla = 0x00, c.ins = 0x2A, c.p1 = 0x9E, c.p2 = 0x9A;
      c.data = Bytes(n, 0x5A);
      c.le = le;
      auto back = parse_command(c.encode());
      ASSERT_TRUE(back) << n;
      EXPECT_EQ(back->data, c.data);
      EXPECT_EQ(back->le, c.le);
    }
  }
}

TEST(Command, ParseRejectsInconsistentLengths) {
  EXPECT_FALSE(parse_command(from_hex("00A4")));
  EXPECT_FALSE(parse_command(from_hex("00A40000053F00")));      // Lc 5, 2 bytes
  EXPECT_FALSE(parse_command(from_hex("00A40000023F000000")));  // trailing garbage
  EXPECT_FALSE(parse_command(from_hex("00A4000000000A01")));    // extended Lc 10, 1 byte
}

TEST(Response, SplitsStatusWordAndRejectsShortAnswers) {
  auto r = parse_response(from_hex("01029000"));
  EXPECT_EQ(to_hex(r.data), "0102");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(parse_response(from_hex("63C2")).sw, 0x63C2);
  try {
    parse_response(from_hex("90"));
    FAIL();
  } catch (const CardError& e) {
    EXPECT_EQ(e.code(), Err::Malformed);
  }
}

TEST(StatusWords, MapToOneErrorType) {
  struct Row {
    std::uint16_t sw;
    Err err;
    int tries;
  } rows[] = {{0x63C2, Err::WrongPin, 2}, {0x63C0, Err::WrongPin, 0}, {0x6983, Err::PinBlocked, 0},
              {0x6982, Err::SecurityStatus, -1}, {0x6A82, Err::FileNotFound, -1}, {0x6A88, Err::ReferenceNotFound, -1},
              {0x6700, Err::WrongLength, -1}, {0x6C10, Err::WrongLength, -1}, {0x6D00, Err::NotSupported, -1},
              {0x6E00, Err::NotSupported, -1}, {0x6985, Err::ConditionsNotSatisfied, -1},
              {0x6A80, Err::WrongData, -1}, {0x6581, Err::MemoryFailure, -1}, {0x6F00, Err::CardError, -1}};
  for (auto& r : rows) {
    try {
      check_sw(r.sw, "TEST");
      FAIL() << std::hex << r.sw;
    } catch (const CardError& e) {
      EXPECT_EQ(e.code(), r.err) << std::hex << r.sw;
      EXPECT_EQ(e.tries_left(), r.tries) << std::hex << r.sw;
      EXPECT_EQ(e.sw(), r.sw);
    }
  }
  EXPECT_NO_THROW(check_sw(0x9000, "TEST"));
}

TEST(Tlv, ParsesNestedAndLongForms) {
  Bytes inner = encode_tlv(0x04, Bytes(300, 0x11));
  Bytes outer = encode_tlv(0x30, inner);
  EXPECT_EQ(outer[1], 0x82);
  std::size_t used = 0;
  Tlv t = parse_tlv(outer, used);
  EXPECT_EQ(used, outer.size());
  EXPECT_TRUE(t.constructed);
  auto kid = t.find(0x04);
  ASSERT_TRUE(kid);
  EXPECT_EQ(kid->value.size(), 300u);
  Bytes two_byte_tag = from_hex("5F2003414243");
  EXPECT_EQ(parse_tlv(two_byte_tag, used).tag, 0x5F20u);
  EXPECT_EQ(parse_tlv(two_byte_tag, used).as_string(), "ABC");
}

TEST(Tlv, TolerantOfPaddingStrictOnTruncation) {
  EXPECT_EQ(parse_tlvs(from_hex("0401AA000000")).size(), 1u);
  EXPECT_EQ(parse_tlvs(from_hex("0401AAFFFF")).size(), 1u);
  for (const char* bad : {"04", "0405AA", "0480", "048501020304", "1F", "1F8181", "30030401"}) {
    try {
      parse_tlvs(from_hex(bad));
      FAIL() << bad;
    } catch (const CardError& e) {
      EXPECT_EQ(e.code(), Err::Malformed) << bad;
    }
  }
}

TEST(Tlv, IntegersAndBooleans) {
  std::size_t used = 0;
  EXPECT_EQ(parse_tlv(from_hex("02020081"), used).as_uint(), 0x81u);
  EXPECT_THROW(parse_tlv(from_hex("020180"), used).as_uint(), CardError);  // negative
  EXPECT_THROW(parse_tlv(from_hex("0200"), used).as_uint(), CardError);
  EXPECT_TRUE(parse_tlv(from_hex("0101FF"), used).as_bool());
  EXPECT_THROW(parse_tlv(from_hex("01020000"), used).as_bool(), CardError);
}
