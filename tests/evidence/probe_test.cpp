// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis probe` against in-process virtual cards: nothing that changes the card is sent (the card's whole state is
// the same before and after, on every family and on quirks), the report names what the card layer saw, and it
// holds none of the holder's personal data while its hashes match for one holder's key and differ across keys.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "akis/card.hpp"
#include "akis/trace.hpp"
#include "cert_summary.hpp"
#include "evidence_util.hpp"
#include "quirks.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;

namespace {


std::vector<Case> cases() {
  std::vector<Case> out = {{"1.0", {}}, {"1x", {}}, {"2x", {}}, {"1x", {}, false}, {"2x", {}, false}};
  for (auto& q : vcard::all_quirks())
    for (const char* fam : {"1.0", "1x", "2x"})
      if (vcard::quirk_allowed(q, fam) && (std::string(fam) == "2x" || !q.needs_ec) &&
          q.name != std::string("secure-messaging") && (std::string(fam) == "2x" || std::string(q.name) == "verify-empty-spends"))
        out.push_back({fam, {q.name}});
  return out;
}

// Below the probe: what reaches the card (the probe's own recording sits above its guard).
class Spy final : public Transport {
 public:
  Spy(std::unique_ptr<Transport> inner, std::shared_ptr<std::vector<Bytes>> sent)
      : inner_(std::move(inner)), sent_(std::move(sent)) {}
  Bytes transmit(ByteView apdu) override {
    sent_->emplace_back(apdu.begin(), apdu.end());
    return inner_->transmit(apdu);
  }
  Bytes atr() const override { return inner_->atr(); }
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<Transport> inner_;
  std::shared_ptr<std::vector<Bytes>> sent_;
};

struct Probed {
  cli::ProbeResult result;
  std::string before, after;
  std::vector<Bytes> sent;  // what reached the card
};
Probed probe(const vcard::CardState& state) {
  Probed p;
  auto card = std::make_shared<vcard::VirtualCard>(state);
  p.before = vcard::to_json(card->state());
  auto sent = std::make_shared<std::vector<Bytes>>();
  p.result = cli::run_probe(std::make_unique<Spy>(std::make_unique<vcard::InProcessTransport>(card), sent));
  p.sent = *sent;
  p.after = vcard::to_json(card->state());
  return p;
}

class ProbeEvery : public ::testing::TestWithParam<Case> {};

TEST_P(ProbeEvery, ChangesNothingAndReportsTheProfile) {
  use_key_dir(temp_dir() + "/key-every");
  const Case& c = GetParam();
  Probed p = probe(personality_state(c.family, c.quirks, c.puk));
  EXPECT_EQ(p.before, p.after) << "the probe changed the card";
  ASSERT_FALSE(p.sent.empty());
  for (auto& apdu : p.sent) {
    EXPECT_TRUE(cli::allowed_command(apdu)) << to_hex(apdu, ' ');
    EXPECT_FALSE(apdu[1] == 0x20 && apdu.size() > 5) << "VERIFY with data: " << to_hex(apdu, ' ');
  }
  const json& r = p.result.report;
  EXPECT_EQ(p.result.recording.exchanges.size(), p.sent.size());
  EXPECT_TRUE(r["application"]["found"].get<bool>()) << r.dump(2);
  const std::string verdict = r["verdict"]["result"];
  EXPECT_TRUE(verdict == "works" || verdict == "works-with-gaps") << r["verdict"].dump();
  EXPECT_TRUE(r["module"]["token_present"].get<bool>());
  EXPECT_GE(r["profile"]["certificates"].size(), 1u);
  EXPECT_GE(r["profile"]["private_keys"].size(), 1u);
  EXPECT_FALSE(r["fci_tags"].empty());
  ASSERT_EQ(r["discovery_ways"].size(), 4u) << r["discovery_ways"].dump();
  EXPECT_EQ(r["discovery_ways"][r["application"]["how"].get<std::string>()], "found") << r["discovery_ways"].dump();
  // Counters only where the family's row says VERIFY without data is free.
  const bool read_only = family_of_atr(personality_state(c.family, c.quirks, c.puk).atr).pin_probe_read_only;
  for (auto& ctr : r["counters"]) {
    if (!read_only) {
      EXPECT_FALSE(ctr["read"].get<bool>()) << ctr.dump();
    }
  }
  std::size_t verifies = 0;
  for (auto& apdu : p.sent) verifies += apdu[1] == 0x20;
  if (!read_only) {
    EXPECT_EQ(verifies, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Personalities, ProbeEvery, ::testing::ValuesIn(cases()));

TEST(Probe, IdCardIsNotEsignAndUnknownAtrSaysSo) {
  use_key_dir(temp_dir() + "/key-id");
  Probed p = probe(card_state(Variant::IdCard));
  EXPECT_EQ(p.before, p.after);
  EXPECT_EQ(p.result.report["verdict"]["result"], "not-esign") << p.result.report.dump(2);
  EXPECT_FALSE(p.result.report["module"]["token_present"].get<bool>());

  json atr = cli::describe_atr(from_hex("3B8F8001804F0CA000000306030001000000006A"));
  EXPECT_TRUE(atr["family"].is_null());
  EXPECT_NE(atr["recognised_by"].get<std::string>().find("not in the AKIS ATR table"), std::string::npos);
  json v10 = cli::describe_atr(from_hex("3BBA11008131FE4D55454B41452056312E30AE"));
  EXPECT_EQ(v10["family"], "AKIS v1.0");
  EXPECT_FALSE(v10["known"].is_null());
  EXPECT_EQ(v10["iso7816_3"]["historical_text"], "UEKAE V1.0");  // the M before it is TB3 (4D)
  EXPECT_EQ(v10["iso7816_3"]["tck"], "correct");
  EXPECT_EQ(cli::describe_atr(from_hex("3B"))["iso7816_3"]["error"], "shorter than TS T0");
  EXPECT_TRUE(cli::describe_atr(from_hex("3BFF"))["iso7816_3"].contains("error"));  // cut short: said, not read past
}

// A card personalised with a known holder: none of the personal values, in any encoding, is in the report.
class Personal : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    vcard::PersonaliseOptions o = personality_options("2x", {}, true);
    o.holder = "ŞÜKRÜ ÇAĞLAYAN ÖZGÜRTEST";
    o.national_id = vcard::make_tc_kimlik_no();
    o.serial_hex = "A1B2C3D4E5F60718293A4B5C";
    state_ = new vcard::CardState(vcard::personalise(o));
    holder_ = o.holder;
    national_id_ = o.national_id;
    serial_ = o.serial_hex;
  }
  static void TearDownTestSuite() { delete state_; }
  std::vector<std::string> forbidden() const {
    std::vector<std::string> out;
    for (auto& v : {holder_, national_id_, serial_, std::string("ŞÜKRÜ"), std::string("ÖZGÜRTEST")})
      for (auto& e : encodings(v)) out.push_back(e);
    for (auto& f : state_->files) {  // certificate bodies: any 24-byte run of a certificate file, hex or base64
      if (f.data.size() < 300 || f.data[0] != 0x30) continue;
      Bytes mid(f.data.begin() + 100, f.data.begin() + 124);
      for (auto& e : encodings(std::string(mid.begin(), mid.end()))) out.push_back(e);
      std::string pem = cli::to_pem(f.data);
      out.push_back(pem.substr(pem.find('\n') + 65, 40));
    }
    return out;
  }
  static inline vcard::CardState* state_ = nullptr;
  static inline std::string holder_, national_id_, serial_;
};

TEST_F(Personal, ReportHoldsNoPersonalData) {
  use_key_dir(temp_dir() + "/key-personal");
  Probed p = probe(*state_);
  const std::string text = p.result.report.dump(2) + cli::probe_text(p.result.report);
  for (auto& f : forbidden()) EXPECT_EQ(text.find(f), std::string::npos) << "report contains " << f;
  // The raw recording is the private part: it does hold them (so the check above can find them).
  EXPECT_NE(p.result.recording.text().find(serial_), std::string::npos);
}

TEST_F(Personal, TraceHoldsNoPersonalDataUnlessAsked) {
  use_key_dir(temp_dir() + "/key-trace");
  for (bool personal : {false, true}) {
    std::string all;
    trace::set_personal(personal);
    trace::set_sink([&](const std::string& l) { all += l + "\n"; });
    {
      auto card = std::make_shared<vcard::VirtualCard>(*state_);
      Card c(std::make_unique<vcard::InProcessTransport>(card));
      for (auto& cert : c.profile().certificates) c.certificate(cert);
      c.verify(*c.profile().user_pin(), Secret("123456"));
    }
    trace::set_sink(nullptr);
    trace::set_personal(false);
    std::size_t found = 0;
    for (auto& f : forbidden()) found += all.find(f) != std::string::npos;
    if (personal) {
      EXPECT_GT(found, 0u) << "apdu_trace_personal keeps raw data";
    } else {
      EXPECT_EQ(found, 0u) << all;
    }
    EXPECT_NE(all.find("00 20 00 81 <redacted>"), std::string::npos) << all;
    EXPECT_EQ(all.find("00 20 00 81 06"), std::string::npos) << all;  // no Lc: the PIN length is a secret
    EXPECT_EQ(all.find("redacted 6"), std::string::npos) << all;
    EXPECT_EQ(all.find("31 32 33 34 35 36"), std::string::npos) << all;
  }
}

TEST_F(Personal, HashesMatchForOneKeyAndDifferAcrossKeys) {
  const std::string dir1 = temp_dir() + "/key-a", dir2 = temp_dir() + "/key-b";
  use_key_dir(dir1);
  json a = probe(*state_).result.report;
  struct stat st {};
  ASSERT_EQ(::stat((dir1 + "/akis/report-key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  use_key_dir(dir1);  // read again from the file: the same key
  json b = probe(*state_).result.report;
  use_key_dir(dir2);
  json c = probe(*state_).result.report;
  EXPECT_EQ(a["profile"], b["profile"]);
  EXPECT_EQ(a["profile"]["card_serial"], b["profile"]["card_serial"]);
  EXPECT_NE(a["profile"]["card_serial"], c["profile"]["card_serial"]);
  EXPECT_NE(a["profile"]["certificates"][0]["national_id"], c["profile"]["certificates"][0]["national_id"]);
  EXPECT_EQ(a["profile"]["card_serial"].get<std::string>().rfind("<12 bytes #", 0), 0u) << a["profile"]["card_serial"];
}

}  // namespace
