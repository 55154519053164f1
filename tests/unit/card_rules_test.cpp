// SPDX-License-Identifier: LGPL-2.1-or-later
// The card layer's rules, asserted on the exact APDUs it sends to the in-process virtual card (families and
// quirks of tools/vcard/quirks.hpp) and on the card's own PIN counters.
#include <gtest/gtest.h>

#include <algorithm>

#include "akis/card.hpp"
#include "akis/error.hpp"
#include "card_rig.hpp"
#include "expect.hpp"
#include "ossl.hpp"

using namespace akis;
using akis::test::code_of;
using akis::test::Rig;

namespace {

const Bytes kForeignAtr = from_hex("3B8F8001804F0CA000000306030001000000006A");  // a PC/SC storage-card ATR

bool any_class80(const test::RecordingTransport& r) {
  for (auto& a : r.sent)
    if (!a.empty() && (a[0] & 0xF0) == 0x80) return true;
  return false;
}

TEST(CardRules, NonAkisAtrGetsIsoCommandsOnly) {
  Rig r("2x", {}, kForeignAtr);
  EXPECT_EQ(r.card->family().id, AtrFamily::Unknown);
  const CardProfile& p = r.card->profile();
  EXPECT_EQ(p.card_serial, r.vc->state().serial);  // from TokenInfo: GET DATA is not sent
  EXPECT_EQ(r.rec->count_prefix("00CA"), 0u);
  EXPECT_EQ(r.card->pin_status(*p.user_pin()).unknown, true);  // the probe is not known to be safe here
  EXPECT_EQ(r.rec->count_prefix("002000"), 0u);
  r.card->logout();
  r.card->verify(*p.user_pin(), Secret("123456"));
  EXPECT_EQ(code_of([&] { r.card->add_certificate("x", Bytes{1}, false, Bytes{0x30, 0x00}); }), Err::NotSupported);
  EXPECT_EQ(code_of([&] { r.card->locked([](AkisCommands& c) { return c.list_files(); }); }), Err::NotSupported);
  EXPECT_FALSE(any_class80(*r.rec)) << testing::PrintToString(r.rec->hex());
  EXPECT_EQ(r.tries(0x81), 3);
}

TEST(CardRules, AkisAtrGetsTheFamilyCommands) {
  Rig r("2x", {});
  const CardProfile& p = r.card->profile();
  EXPECT_EQ(p.card_serial, r.vc->state().serial);
  EXPECT_EQ(r.rec->count_prefix("00CA0106"), 1u);
  EXPECT_EQ(r.rec->count_prefix("00CA0104"), 1u);
  EXPECT_EQ(p.life_cycle, LifeCycle::User);
  EXPECT_EQ(r.card->pin_status(*p.user_pin()).tries_left, 3);
  r.card->logout();
  EXPECT_EQ(r.rec->count_prefix("801A0000"), 1u);
}

TEST(CardRules, PukUnblockIsVerifyThenResetWithTheNewPinOnly) {
  Rig r("2x", {});
  const CardProfile& p = r.card->profile();
  for (int i = 0; i < 3; ++i) code_of([&] { r.card->verify(*p.user_pin(), Secret("999999")); });
  ASSERT_EQ(r.tries(0x81), 0);
  r.rec->sent.clear();
  r.card->unblock_with_puk(*p.user_pin(), Secret("87654321"), Secret("11223344"));
  auto sent = r.rec->hex();
  ASSERT_GE(sent.size(), 2u);
  EXPECT_EQ(sent[sent.size() - 2], "0020008208" + to_hex(to_bytes("87654321")));
  EXPECT_EQ(sent.back(), "002C028108" + to_hex(to_bytes("11223344")));
  EXPECT_EQ(r.rec->count_prefix("002C00"), 0u);  // the invented one-command form is gone
  EXPECT_EQ(r.tries(0x81), 3);
  EXPECT_EQ(r.tries(0x82), 3);
  r.card->verify(*p.user_pin(), Secret("11223344"));

  // A wrong PUK: one PUK try spent, no RESET RETRY COUNTER sent, the PIN stays blocked.
  for (int i = 0; i < 3; ++i) code_of([&] { r.card->verify(*p.user_pin(), Secret("999999")); });
  r.rec->sent.clear();
  try {
    r.card->unblock_with_puk(*p.user_pin(), Secret("11111111"), Secret("55667788"));
    ADD_FAILURE() << "a wrong PUK unblocked";
  } catch (const CardError& e) {
    EXPECT_EQ(e.code(), Err::WrongPin);
    EXPECT_EQ(e.tries_left(), 2);
  }
  EXPECT_EQ(r.rec->count_prefix("002C"), 0u);
  EXPECT_EQ(r.tries(0x82), 2);
  EXPECT_EQ(r.tries(0x81), 0);
}

TEST(CardRules, EveryPinAndKeyTransactionSelectsTheApplication) {
  Rig r("2x", {});
  const CardProfile& p = r.card->profile();
  r.card->locked([](AkisCommands& c) { return c.select_df(0x3F00); });  // another program moves the current DF
  r.rec->sent.clear();
  r.card->verify(*p.user_pin(), Secret("123456"));
  ASSERT_EQ(r.rec->sent.size(), 2u);
  EXPECT_EQ(r.rec->hex()[0], "00A4040007" + to_hex(kPkcs15DfName) + "00");
  r.rec->sent.clear();
  Bytes sig = r.card->sign(p.private_keys[0], test::sha256_digest_info(to_bytes("m")));
  EXPECT_EQ(r.rec->hex()[0], "00A4040007" + to_hex(kPkcs15DfName) + "00");
  EXPECT_TRUE(test::verify_with_cert(r.card->certificate(p.certificates[0]), to_bytes("m"), sig, "SHA256", "pkcs1"));
}

TEST(CardRules, KeyPathIsSelectedBeforeMse) {
  Rig r("1.0", {});  // OpenSC's driver selected the key's path before MSE; the v1.0 card insists
  const CardProfile& p = r.card->profile();
  const KeyInfo& key = p.private_keys[0];
  r.card->verify(*p.user_pin(), Secret("123456"));
  r.rec->sent.clear();
  r.card->sign(key, test::sha256_digest_info(to_bytes("m")));
  auto sent = r.rec->hex();
  auto mse = std::find(sent.begin(), sent.end(), "0022C3" + to_hex(Bytes{key.key_reference}));
  ASSERT_NE(mse, sent.end()) << testing::PrintToString(sent);
  ASSERT_NE(mse, sent.begin());
  EXPECT_EQ(*(mse - 1), "00A40800" + to_hex(Bytes{static_cast<std::uint8_t>(key.path.size())}) + to_hex(key.path) +
                            "00");  // the key's path from the PrKDF, as the v1.0 card wants it (with 3F00)
}

TEST(CardRules, KeyWithoutReferenceIsSelectedByPathAndUsedWithoutMse) {
  Rig r("2x", {"no-key-reference"});
  const CardProfile& p = r.card->profile();
  ASSERT_FALSE(p.private_keys.empty());
  EXPECT_FALSE(p.private_keys[0].has_key_reference);
  r.card->verify(*p.user_pin(), Secret("123456"));
  r.rec->sent.clear();
  Bytes sig = r.card->sign(p.private_keys[0], test::sha256_digest_info(to_bytes("m")));
  EXPECT_EQ(r.rec->count_prefix("0022"), 0u);
  EXPECT_TRUE(test::verify_with_cert(r.card->certificate(p.certificates[0]), to_bytes("m"), sig, "SHA256", "pkcs1"));
}

TEST(CardRules, PinProbeOnlyWhereItIsKnownReadOnly) {
  for (const char* fam : {"1.0", "1x"}) {
    Rig r(fam, {});
    PinStatus st = r.card->pin_status(*r.card->profile().user_pin());
    EXPECT_TRUE(st.unknown) << fam;
    EXPECT_EQ(st.tries_left, -1) << fam;
    EXPECT_EQ(r.rec->count_prefix("002000"), 0u) << fam;
  }
  Rig refused("2x", {"pin-status-refused"});  // 67 00: no counter, no exception, no try spent
  EXPECT_TRUE(refused.card->pin_status(*refused.card->profile().user_pin()).unknown);
  EXPECT_EQ(refused.tries(0x81), 3);
}

TEST(CardRules, SecureMessagingIsReportedAndThePinNotSentAgain) {
  Rig sm("1x", {"secure-messaging"});
  EXPECT_EQ(code_of([&] { sm.card->profile(); }), Err::SecureMessagingRequired);
  EXPECT_EQ(sm.rec->sent.size(), 1u);
  EXPECT_EQ(code_of([&] { sm.card->profile(); }), Err::SecureMessagingRequired);
  EXPECT_EQ(sm.rec->sent.size(), 1u);  // known now: nothing more is sent

  // A 1.x card that reads in plain but refuses a plain VERIFY with 69 82.
  auto verify_6982 = [](ByteView cmd, const Bytes&) -> std::optional<Bytes> {
    if (cmd.size() > 5 && cmd[1] == 0x20) return from_hex("6982");
    return std::nullopt;
  };
  Rig r("1x", {});
  r.in->rewrite(verify_6982);
  const CardProfile& p = r.card->profile();
  EXPECT_EQ(code_of([&] { r.card->verify(*p.user_pin(), Secret("123456")); }), Err::SecureMessagingRequired);
  EXPECT_EQ(code_of([&] { r.card->verify(*p.user_pin(), Secret("123456")); }), Err::SecureMessagingRequired);
  EXPECT_EQ(r.rec->count_prefix("0020008106"), 1u);
  // Elsewhere 69 82 keeps its ISO meaning.
  Rig iso("2x", {});
  iso.in->rewrite(verify_6982);
  const CardProfile& q = iso.card->profile();
  EXPECT_EQ(code_of([&] { iso.card->verify(*q.user_pin(), Secret("123456")); }), Err::SecurityStatus);
}

TEST(CardRules, PinsAreEncodedAsTheAodfSays) {
  Rig r("2x", {"pin-padded"});
  const PinInfo& pin = *r.card->profile().user_pin();
  EXPECT_TRUE(pin.needs_padding);
  EXPECT_EQ(pin.stored_length, 12u);
  EXPECT_EQ(pin.pad_char, 0xFF);
  r.card->verify(pin, Secret("123456"));
  EXPECT_EQ(r.rec->count_prefix("002000810C313233343536FFFFFFFFFFFF"), 1u);
  EXPECT_EQ(r.tries(0x81), 3);
  r.card->change_pin(pin, Secret("123456"), Secret("24681357"));
  EXPECT_EQ(r.tries(0x81), 3);
  r.card->verify(pin, Secret("24681357"));

  PinInfo bcd;
  bcd.type = PinType::Bcd;
  bcd.needs_padding = true;
  bcd.stored_length = 8;  // digits
  bcd.pad_char = 0xFF;
  EXPECT_EQ(to_hex(encode_pin(bcd, Secret("12345")).bytes()), "12345FFF");
  PinInfo iso;
  iso.type = PinType::Iso9564_1;
  EXPECT_EQ(to_hex(encode_pin(iso, Secret("1234")).bytes()), "241234FFFFFFFFFF");
  EXPECT_EQ(code_of([&] { encode_pin(PinInfo{}, Secret("12ab")); }), Err::InvalidArgument);
}

TEST(CardRules, PinWithoutReferenceAndMinLengthZero) {
  Rig r("2x", {"no-pin-reference", "pin-min-0"});
  const PinInfo& pin = *r.card->profile().user_pin();
  EXPECT_EQ(pin.reference, 0);
  EXPECT_EQ(pin.min_length, 0u);
  r.card->verify(pin, Secret("123456"));
  EXPECT_EQ(r.rec->count_prefix("0020000006"), 1u);
  EXPECT_EQ(r.tries(0x00), 3);
}

TEST(CardRules, CertificateFileIsDeletedBeforeTheCdfIsRewritten) {
  Rig r("2x", {});
  const CardProfile& p = r.card->profile();
  r.card->verify(*p.user_pin(), Secret("123456"));
  Bytes der = r.card->certificate(p.certificates[0]);
  CertInfo added = r.card->add_certificate("extra", Bytes{0x42}, true, der);
  // DELETE FILE refused (the PIN is no longer verified): the CDF is left alone.
  r.card->logout();
  r.rec->sent.clear();
  EXPECT_EQ(code_of([&] { r.card->remove_certificate(added); }), Err::SecurityStatus);
  EXPECT_EQ(r.rec->count_prefix("8016"), 1u);
  EXPECT_EQ(r.rec->count_prefix("00D6"), 0u);
  EXPECT_EQ(Card(std::make_unique<vcard::InProcessTransport>(r.vc)).profile().certificates.size(),
            p.certificates.size());  // the entry is still there, and so is its file
  r.card->verify(*p.user_pin(), Secret("123456"));
  r.rec->sent.clear();
  r.card->remove_certificate(added);
  auto sent = r.rec->hex();
  std::size_t del = 0, upd = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (sent[i].rfind("8016", 0) == 0) del = i;
    if (sent[i].rfind("00D6", 0) == 0) upd = i;
  }
  EXPECT_GT(del, 0u);
  EXPECT_GT(upd, del);
  // Read again from the card: the extra certificate is gone, the others are there.
  Card fresh(std::make_unique<vcard::InProcessTransport>(r.vc));
  EXPECT_EQ(fresh.profile().certificates.size(), p.certificates.size());
}

TEST(CardRules, HostileFciSizeIsClampedToWhatReadBinaryReaches) {
  FileInfo fi = parse_fci(from_hex("6F0D830250318004FFFFFFFF820101"));
  EXPECT_TRUE(fi.has_size);
  EXPECT_EQ(fi.size, kMaxFileOffset + 1);
  FileInfo none = parse_fci(from_hex("6F07830250318201 01"));
  EXPECT_FALSE(none.has_size);
  EXPECT_FALSE(none.has_security);
  // A card announcing 4 GiB for its ODF: the profile still reads (READ BINARY stops at the real end).
  Rig r("2x", {});
  r.in->rewrite([](ByteView cmd, const Bytes& resp) -> std::optional<Bytes> {
    if (cmd.size() >= 7 && cmd[1] == 0xA4 && cmd[2] == 0x02 && cmd[5] == 0x50 && cmd[6] == 0x31 && resp.size() > 6) {
      Bytes fci = from_hex("6F10830250318004FFFFFFFF820101900112");
      append(fci, from_hex("9000"));
      return fci;
    }
    return std::nullopt;
  });
  EXPECT_FALSE(r.card->profile().certificates.empty());
}

TEST(CardRules, SignaturesAreNormalised) {
  KeyInfo ec;
  ec.type = KeyType::Ec;
  ec.bits = 256;
  Bytes r(32, 0x11), s(32, 0x22);
  s[0] = 0x00;  // s shorter than the field: DER drops the zero
  s[1] = 0x90;  // and the next byte needs a sign pad
  Bytes der = from_hex("30440220");
  append(der, r);
  append(der, from_hex("0220"));
  Bytes s_der = {0x00};
  append(s_der, ByteView(s).subspan(1));
  append(der, s_der);
  Bytes rs = r;
  append(rs, s);
  EXPECT_EQ(normalise_signature(ec, der), rs);
  EXPECT_EQ(normalise_signature(ec, rs), rs);
  KeyInfo rsa;
  rsa.bits = 2048;
  Bytes short_sig(255, 0x7F);
  Bytes padded = normalise_signature(rsa, short_sig);
  ASSERT_EQ(padded.size(), 256u);
  EXPECT_EQ(padded[0], 0x00);
}

TEST(CardRules, MalformedPkcs15ObjectIsSkippedTheRestKept) {
  Rig r("2x", {});
  const CardProfile& p = r.card->profile();
  Bytes prkdf = r.card->locked([](AkisCommands& c) { return c.read_file(c.select_object(from_hex("3F0050154402"))); });
  Bytes bad = from_hex("3003020105");  // not a key object
  append(bad, prkdf);
  std::vector<std::string> skipped;
  auto keys = parse_prkdf(bad, &skipped);
  EXPECT_EQ(keys.size(), p.private_keys.size());
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("PrKDF object 1"), std::string::npos) << skipped[0];
}

}  // namespace

namespace {
TEST(CardRules, EfDirAsARecordFile) {
  // The virtual card's EF.DIR is transparent; this card answers it as a linear record file (ISO allows both).
  Rig probe("2x", {"app-by-efdir"});
  Bytes dir = probe.card->locked([](AkisCommands& c) {
    c.select_df(0x3F00);
    return c.read_file(c.select_ef(0x2F00));
  });
  ASSERT_FALSE(dir.empty());
  Rig r("2x", {"app-by-efdir"});
  r.in->rewrite([dir](ByteView cmd, const Bytes& resp) -> std::optional<Bytes> {
    if (cmd.size() >= 7 && cmd[1] == 0xA4 && cmd[2] == 0x02 && cmd[5] == 0x2F && cmd[6] == 0x00) {
      Bytes out = resp;
      for (std::size_t i = 0; i + 2 < out.size(); ++i)
        if (out[i] == 0x82 && out[i + 1] == 0x01) out[i + 2] = 0x02;  // linear fixed
      return out;
    }
    if (cmd.size() >= 4 && cmd[1] == 0xB2) {
      if (cmd[2] != 1) return from_hex("6A83");
      Bytes out = dir;
      append(out, from_hex("9000"));
      return out;
    }
    return std::nullopt;
  });
  const CardProfile& p = r.card->profile();
  EXPECT_EQ(r.card->application()->how, Discovery::EfDir);
  EXPECT_FALSE(p.certificates.empty());
  EXPECT_EQ(r.rec->count_prefix("00B20104"), 1u);
}
}  // namespace

namespace {
TEST(CardRules, CertificateWriteAndRemoveWhereverTheDirectoryPointsTo) {
  for (std::vector<std::string> quirks : {std::vector<std::string>{}, {"odf-relative-paths"}, {"paths-need-mf"},
                                          {"fci-no-size", "read-cap-128"}}) {
    SCOPED_TRACE(testing::PrintToString(quirks));
    Rig r("2x", quirks);
    const CardProfile& p = r.card->profile();
    const std::size_t before = p.certificates.size();
    r.card->verify(*p.user_pin(), Secret("123456"));
    const Bytes der = test::material_for("1.0").keys.at(0).cert_der;  // another card's certificate
    CertInfo added = r.card->add_certificate("başka", Bytes{0x42}, false, der);
    {
      Card fresh(std::make_unique<vcard::InProcessTransport>(r.vc));
      ASSERT_EQ(fresh.profile().certificates.size(), before + 1);
      EXPECT_EQ(fresh.certificate(fresh.profile().certificates.back()), der);
    }
    r.card->remove_certificate(added);
    Card fresh(std::make_unique<vcard::InProcessTransport>(r.vc));
    EXPECT_EQ(fresh.profile().certificates.size(), before);
    EXPECT_TRUE(fresh.profile().skipped.empty());
  }
  // A card that refuses class 80 cannot take a new file: refused before anything is written.
  Rig r("2x", {"cla80-refused"});
  const CardProfile& p = r.card->profile();
  r.card->verify(*p.user_pin(), Secret("123456"));
  r.rec->sent.clear();
  EXPECT_EQ(code_of([&] { r.card->add_certificate("x", Bytes{0x42}, false, Bytes{0x30, 0x00}); }), Err::NotSupported);
  EXPECT_EQ(r.rec->count_prefix("00D6"), 0u);
}
}  // namespace

namespace {
TEST(CardRules, WrongPinWithoutCounterAndBlockedAs6984) {
  // ISO 7816-4 also allows 63 00 (verification failed, no counter) and 69 84 (reference data not usable).
  Rig r("2x", {});
  r.in->rewrite([](ByteView cmd, const Bytes& resp) -> std::optional<Bytes> {
    if (cmd[1] != 0x20 && cmd[1] != 0x24) return std::nullopt;
    std::uint16_t sw = static_cast<std::uint16_t>((resp[resp.size() - 2] << 8) | resp.back());
    if ((sw & 0xFFF0) == 0x63C0) return from_hex("6300");
    if (sw == 0x6983) return from_hex("6984");
    return std::nullopt;
  });
  const PinInfo& pin = *r.card->profile().user_pin();
  try {
    r.card->verify(pin, Secret("999999"));
    ADD_FAILURE() << "a wrong PIN was accepted";
  } catch (const CardError& e) {
    EXPECT_EQ(e.code(), Err::WrongPin);
    EXPECT_EQ(e.tries_left(), -1);
  }
  EXPECT_EQ(r.tries(0x81), 2);
  code_of([&] { r.card->verify(pin, Secret("999999")); });
  code_of([&] { r.card->verify(pin, Secret("999999")); });
  EXPECT_EQ(code_of([&] { r.card->verify(pin, Secret("123456")); }), Err::PinBlocked);
  EXPECT_TRUE(r.card->pin_status(pin).blocked);
  EXPECT_EQ(r.tries(0x81), 0);
}
}  // namespace
