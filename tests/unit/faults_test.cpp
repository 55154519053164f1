// SPDX-License-Identifier: LGPL-2.1-or-later
// Removal, reset, malformed and truncated card answers: a clear CardError, never a crash.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "akis/card.hpp"
#include "akis/error.hpp"
#include "akis/trace.hpp"
#include "cards.hpp"
#include "expect.hpp"
#include "ossl.hpp"

using namespace akis;
using akis::test::code_of;
using akis::test::Variant;

namespace {

struct CardUnderTest {
  explicit CardUnderTest(Variant v = Variant::Pre2011) {
    auto c = test::make_card(v);
    vcard = c.card;
    transport = c.transport;
    card = std::make_unique<Card>(std::move(c.owned));
  }
  std::shared_ptr<vcard::VirtualCard> vcard;
  vcard::InProcessTransport* transport;
  std::unique_ptr<Card> card;
};

TEST(Faults, CardPulledOutMidSignature) {
  CardUnderTest t;
  const auto& p = t.card->profile();
  t.card->verify(*p.user_pin(), Secret("123456"));
  t.transport->remove_after(1);  // MSE goes through, PSO does not
  EXPECT_EQ(code_of([&] { t.card->sign(p.private_keys[0], test::sha256_digest_info(to_bytes("m"))); }),
            Err::CardRemoved);
  EXPECT_EQ(code_of([&] { t.card->pin_status(*p.user_pin()); }), Err::CardRemoved);
  // Back in: the security state is gone, nothing else is lost.
  t.transport->reinsert();
  EXPECT_EQ(code_of([&] { t.card->sign(p.private_keys[0], test::sha256_digest_info(to_bytes("m"))); }),
            Err::SecurityStatus);
  EXPECT_EQ(t.card->pin_status(*p.user_pin()).tries_left, 3);
}

TEST(Faults, ResetByAnotherProgramIsReported) {
  CardUnderTest t;
  const auto& p = t.card->profile();
  t.card->verify(*p.user_pin(), Secret("123456"));
  t.transport->reset_before_next();
  EXPECT_EQ(code_of([&] { t.card->sign(p.private_keys[0], test::sha256_digest_info(to_bytes("m"))); }),
            Err::CardReset);
  // After the reset the card works again but the PIN must be given again.
  EXPECT_FALSE(t.card->pin_status(*p.user_pin()).verified);
}

TEST(Faults, TruncatedAndGarbageAnswers) {
  CardUnderTest t;
  t.transport->rewrite([](ByteView, const Bytes&) -> std::optional<Bytes> { return Bytes{0x90}; });
  EXPECT_EQ(code_of([&] { t.card->profile(); }), Err::Malformed);
  t.transport->rewrite([](ByteView cmd, const Bytes& r) -> std::optional<Bytes> {
    if (cmd[1] == 0xA4 && r.size() > 4) return Bytes{0x6F, 0x05, 0x83, 0x02, 0x50, 0x90, 0x00};  // FCI cut short
    return std::nullopt;
  });
  EXPECT_EQ(code_of([&] { t.card->profile(); }), Err::Malformed);
  t.transport->rewrite([](ByteView cmd, const Bytes&) -> std::optional<Bytes> {
    if (cmd[1] == 0xCA) return from_hex("01029000");  // GET DATA record too short
    return std::nullopt;
  });
  // GET DATA is optional: the serial comes from TokenInfo then (a fresh Card: the profile is read once).
  auto short_get_data = std::make_unique<vcard::InProcessTransport>(t.vcard);
  short_get_data->rewrite([](ByteView cmd, const Bytes&) -> std::optional<Bytes> {
    if (cmd[1] == 0xCA) return from_hex("01029000");
    return std::nullopt;
  });
  Card fresh(std::move(short_get_data));
  EXPECT_EQ(fresh.profile().card_serial, from_hex(fresh.profile().token.serial));
  EXPECT_EQ(fresh.profile().card_serial, t.vcard->state().serial);  // the virtual card writes it in both
  t.transport->rewrite([](ByteView, const Bytes&) -> std::optional<Bytes> { return from_hex("6100"); });
  EXPECT_EQ(code_of([&] { t.card->random(8); }), Err::Malformed);  // endless 61xx
  t.transport->rewrite([](ByteView cmd, const Bytes&) -> std::optional<Bytes> {
    if (cmd[1] == 0x84) return from_hex("01029000");  // challenge of the wrong length
    return std::nullopt;
  });
  EXPECT_EQ(code_of([&] { t.card->random(8); }), Err::Malformed);
}

// Mutates the PKCS#15 files on their way from the card: every outcome must be a profile or a CardError.
TEST(Faults, MutatedPkcs15FilesNeverCrash) {
  std::mt19937 rng(20261121);
  int parsed = 0, refused = 0;
  for (int round = 0; round < 400; ++round) {
    CardUnderTest t;
    int target = static_cast<int>(rng() % 12);
    int seen = 0;
    t.transport->rewrite([&](ByteView cmd, const Bytes& r) -> std::optional<Bytes> {
      if (cmd[1] != 0xB0 || r.size() <= 2 || seen++ != target) return std::nullopt;
      Bytes m = r;
      std::size_t body = m.size() - 2;
      switch (rng() % 3) {
        case 0: m[rng() % body] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;  // flip a bit
        case 1: m.erase(m.begin() + static_cast<std::ptrdiff_t>(rng() % body), m.end() - 2); break;  // truncate
        default: m[rng() % body] = static_cast<std::uint8_t>(rng()); break;
      }
      return m;
    });
    try {
      t.card->profile();
      ++parsed;
    } catch (const CardError&) {
      ++refused;
    }
  }
  EXPECT_EQ(parsed + refused, 400);
  EXPECT_GT(refused, 0);
}

TEST(Faults, ParsersRejectRandomBytes) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    Bytes b(rng() % 64);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    for (auto fn : {+[](ByteView v) { parse_odf(v); }, +[](ByteView v) { parse_aodf(v); },
                    +[](ByteView v) { parse_prkdf(v); }, +[](ByteView v) { parse_cdf(v); },
                    +[](ByteView v) { parse_token_info(v); }, +[](ByteView v) { parse_fci(v); }}) {
      try {
        fn(b);
      } catch (const CardError& e) {
        EXPECT_EQ(e.code(), Err::Malformed);
      }
    }
  }
}

// The virtual card's command parser takes any bytes from pcscd: random APDUs get a status word, never a crash.
TEST(Faults, VirtualCardAnswersRandomApdus) {
  auto c = test::make_card(Variant::Pre2011);
  std::mt19937 rng(99);
  const std::uint8_t ins[] = {0xA4, 0xB0, 0xD6, 0x20, 0x24, 0x2C, 0x22, 0x2A, 0x84, 0x82, 0xCA, 0xC0, 0x18, 0x1A,
                              0x15, 0x16, 0x09, 0x00, 0xFF};
  for (int i = 0; i < 20000; ++i) {
    Bytes apdu(rng() % 300);
    for (auto& b : apdu) b = static_cast<std::uint8_t>(rng());
    if (apdu.size() >= 2 && rng() % 2) {
      apdu[0] = rng() % 3 == 0 ? 0x80 : (rng() % 2 ? 0x00 : 0x10);
      apdu[1] = ins[rng() % sizeof ins];
    }
    if (i % 1000 == 0) c.card->reset();
    Bytes r = c.card->process(apdu);
    ASSERT_GE(r.size(), 2u);
  }
  // Still a working card afterwards (no PIN was spent by chance: its value is 6 digits).
  Channel ch(*c.transport);
  AkisCommands cmds(ch);
  EXPECT_NO_THROW(read_profile(cmds, c.transport->atr()));
}

TEST(CardFacade, PublicContentIsReadOncePerInsertion) {
  CardUnderTest t;
  const auto& p = t.card->profile();
  const Bytes& cert = t.card->certificate(p.certificates[0]);
  std::size_t after_first = t.transport->sent();
  t.card->profile();
  EXPECT_EQ(&t.card->certificate(p.certificates[0]), &cert);
  EXPECT_EQ(t.transport->sent(), after_first);  // no card I/O for the second look
}

TEST(CardFacade, ReselectsTheApplicationWhenAnotherProgramMovedAway) {
  CardUnderTest t;
  const auto& p = t.card->profile();
  // "Another program" selects the MF: PIN 0x81 is local to the application DF.
  t.transport->transmit(from_hex("00A40000023F0000"));
  t.card->verify(*p.user_pin(), Secret("123456"));
  Bytes sig = t.card->sign(p.private_keys[0], test::sha256_digest_info(to_bytes("m")));
  EXPECT_TRUE(test::verify_with_cert(t.card->certificate(p.certificates[0]), to_bytes("m"), sig, "SHA256", "pkcs1"));
}

TEST(Trace, RedactsSecrets) {
  std::vector<std::string> lines;
  trace::set_sink([&](const std::string& l) { lines.push_back(l); });
  CardUnderTest t;
  const auto& p = t.card->profile();
  t.card->verify(*p.user_pin(), Secret("123456"));
  t.card->change_pin(*p.user_pin(), Secret("123456"), Secret("987654"));
  trace::set_sink(nullptr);
  std::string all;
  for (auto& l : lines) all += l + "\n";
  EXPECT_NE(all.find("00 20 00 81 <redacted>"), std::string::npos) << all;
  EXPECT_EQ(all.find("00 20 00 81 06"), std::string::npos) << all;  // no Lc: the PIN's length is a secret too
  EXPECT_EQ(all.find("31 32 33 34 35 36"), std::string::npos);
  EXPECT_EQ(all.find("39 38 37 36 35 34"), std::string::npos);
  EXPECT_NE(all.find("00 A4 04 00 07 50 4B 43 53 2D 31 35"), std::string::npos);  // ordinary commands in full
}

TEST(State, SurvivesReloadAndSavesAtomically) {
  namespace fs = std::filesystem;
  std::string path = test::temp_dir() + "/persist.json";
  vcard::save_atomically(test::card_state(Variant::Pre2011), path);
  {
    vcard::VirtualCard vc(vcard::load(path), path);
    vcard::InProcessTransport tr(std::shared_ptr<vcard::VirtualCard>(&vc, [](auto*) {}));
    Channel ch(tr);
    AkisCommands cmds(ch);
    cmds.select_name(kPkcs15DfName);
    EXPECT_EQ(code_of([&] { cmds.verify(0x81, Secret("000000")); }), Err::WrongPin);
  }
  EXPECT_EQ(vcard::load(path).pin(0x81)->tries_left, 2);
  for (auto& e : fs::directory_iterator(test::temp_dir()))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos);
  EXPECT_THROW(vcard::from_json("{\"format\": 1}"), std::runtime_error);
  EXPECT_THROW(vcard::from_json("not json"), std::runtime_error);
}

TEST(Atr, FamiliesAreRecognised) {
  EXPECT_EQ(classify_atr(vcard::atr_for_family("1.0")).family, AtrFamily::V1_0);
  EXPECT_EQ(classify_atr(vcard::atr_for_family("1x")).family, AtrFamily::V1_x);
  EXPECT_EQ(classify_atr(vcard::atr_for_family("2x")).family, AtrFamily::V2_x);
  // The real 2.5.2 ATR from CARD.md.
  EXPECT_EQ(classify_atr(from_hex("3B9F978131FE458065544353228231C073F621808105" "53")).family, AtrFamily::V2_x);
  EXPECT_EQ(classify_atr(from_hex("3B8F8001804F0CA000000306030001000000006A")).family, AtrFamily::Unknown);
}

}  // namespace
