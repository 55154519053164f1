// SPDX-License-Identifier: LGPL-2.1-or-later
// READ BINARY against a scripted transparent file: every way a card may answer at the end of a file or to an Le it
// dislikes, with and without the FCI's size. The file must come back whole, never truncated, never padded.
#include <gtest/gtest.h>

#include "akis/commands.hpp"
#include "akis/error.hpp"
#include "expect.hpp"

using namespace akis;
using akis::test::code_of;

namespace {

struct FileCard final : Transport {
  Bytes file;
  std::size_t le_max = 256;  // a larger Le: 67 00
  std::size_t cap = 0;       // > 0: at most this many bytes per answer
  enum class End { Sw6B00, Sw6282, Sw6Cxx } end = End::Sw6B00;
  std::vector<std::size_t> asked;  // Le of every READ BINARY

  Bytes transmit(ByteView apdu) override {
    if (apdu.size() != 5 || apdu[1] != 0xB0) return {0x6D, 0x00};
    std::size_t off = static_cast<std::size_t>((apdu[2] << 8) | apdu[3]);
    std::size_t le = apdu[4] ? apdu[4] : 256;
    asked.push_back(le);
    if (le > le_max) return {0x67, 0x00};
    if (off >= file.size() && end == End::Sw6B00) return {0x6B, 0x00};
    std::size_t left = off < file.size() ? file.size() - off : 0;
    if (le > left && end == End::Sw6Cxx) return {0x6C, static_cast<std::uint8_t>(left)};
    std::size_t n = std::min({le, left, cap ? cap : le});
    Bytes out(file.begin() + static_cast<std::ptrdiff_t>(off), file.begin() + static_cast<std::ptrdiff_t>(off + n));
    if (n < le && n == left && end == End::Sw6282) append(out, Bytes{0x62, 0x82});
    else append(out, Bytes{0x90, 0x00});
    return out;
  }
  Bytes atr() const override { return from_hex("3B9F978131FE458065544353228231C073F62180810553"); }
  std::string name() const override { return "scripted file"; }
};

Bytes pattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return b;
}

struct Reader {
  FileCard card;
  Channel ch{card};
  AkisCommands cmds{ch};
  Bytes read(std::optional<std::size_t> size) {
    FileInfo fi;
    fi.has_size = size.has_value();
    fi.size = size.value_or(0);
    return cmds.read_file(fi);
  }
};

TEST(ReadBinary, WholeFileWhateverTheCardDoesAtTheEnd) {
  for (std::size_t len : {0u, 1u, 100u, 128u, 244u, 488u, 1000u, 1500u}) {
    for (auto end : {FileCard::End::Sw6B00, FileCard::End::Sw6282, FileCard::End::Sw6Cxx}) {
      for (std::size_t cap : {0u, 128u}) {
        for (bool known : {true, false}) {
          Reader r;
          r.card.file = pattern(len);
          r.card.end = end;
          r.card.cap = cap;
          Bytes got = r.read(known ? std::optional<std::size_t>(len) : std::nullopt);
          EXPECT_EQ(got, r.card.file) << "len " << len << " end " << int(end) << " cap " << cap << " known " << known;
        }
      }
    }
  }
}

TEST(ReadBinary, LeIsLoweredOnce67_00AndKept) {
  Reader r;
  r.card.file = pattern(1000);
  r.card.le_max = 0x80;
  EXPECT_EQ(r.read(1000), r.card.file);
  std::size_t refused = 0;
  for (auto le : r.card.asked) refused += le > 0x80;
  EXPECT_EQ(refused, 1u);  // learnt on the first refusal
  r.card.asked.clear();
  EXPECT_EQ(r.read(std::nullopt), r.card.file);
  for (auto le : r.card.asked) EXPECT_LE(le, 0x80u);
}

TEST(ReadBinary, CapIsLearntSoLaterReadsAskForIt) {
  Reader r;
  r.card.file = pattern(1000);
  r.card.cap = 128;
  EXPECT_EQ(r.read(1000), r.card.file);
  EXPECT_EQ(r.card.asked.back(), 1000u - 7 * 128);  // after the cap was seen, Le follows it
  EXPECT_LE(r.card.asked.size(), 10u);
}

TEST(ReadBinary, HostileSizeIsNeitherReservedNorReadPastTheEnd) {
  Reader r;
  r.card.file = pattern(300);
  FileInfo fi = parse_fci(from_hex("6F0D830250318004FFFFFFFF820101"));
  EXPECT_EQ(fi.size, kMaxFileOffset + 1);
  EXPECT_EQ(r.cmds.read_file(fi), r.card.file);  // stops at 6B 00
  EXPECT_EQ(code_of([&] { r.cmds.read_binary(0x8000, 10); }), Err::InvalidArgument);
}

TEST(ReadBinary, ProprietaryCommandsNeverReachANonAkisCard) {
  FileCard card;
  Channel ch(card);
  AkisCommands cmds(ch, family(AtrFamily::Unknown));
  EXPECT_EQ(code_of([&] { cmds.serial_number(); }), Err::NotSupported);
  EXPECT_EQ(code_of([&] { cmds.life_cycle(); }), Err::NotSupported);
  EXPECT_EQ(code_of([&] { cmds.list_files(); }), Err::NotSupported);
  EXPECT_EQ(code_of([&] { cmds.create_ef(0x2F10); }), Err::NotSupported);
  EXPECT_EQ(code_of([&] { cmds.delete_ef(0x2F10); }), Err::NotSupported);
  EXPECT_FALSE(cmds.logout());
  EXPECT_TRUE(cmds.pin_status(0x81).unknown);
  EXPECT_TRUE(card.asked.empty());
  EXPECT_EQ(ch.counters().commands, 0u);
}

}  // namespace
