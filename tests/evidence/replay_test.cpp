// SPDX-License-Identifier: LGPL-2.1-or-later
// Recordings and their replay: a probe of a virtual card, written as text and read back, plays the card through
// the card layer (the same profile and certificates as the live card; a second probe gives the same report) and
// through the PKCS#11 module (the same token, objects and attributes); a command the recording has no answer for
// fails with a message that names it.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "akis/card.hpp"
#include "akis/trace.hpp"
#include "evidence_util.hpp"
#include "p11_fixture.hpp"
#include "replay_backend.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;

namespace {

const std::vector<Case> kCases = {
    {"1.0", {}}, {"1x", {}}, {"2x", {}}, {"2x", {"app-by-efdir", "odf-relative-paths", "paths-need-mf"}},
    {"2x", {"fci-no-size", "read-cap-128", "cert-padded"}}, {"2x", {"short-responses", "read-6cxx"}},
    {"2x", {"cert-direct-value", "no-pukdf", "issuer-cert"}}, {"1.0", {"get-data-refused", "fci-no-security"}}};

Recording probe_recording(const vcard::CardState& state, json* report = nullptr) {
  auto card = std::make_shared<vcard::VirtualCard>(state);
  auto res = cli::run_probe(std::make_unique<vcard::InProcessTransport>(card));
  if (report) *report = res.report;
  std::istringstream in(res.recording.text());  // through the text format, as a file would be
  return parse_recording(in);
}

class ReplayEvery : public ::testing::TestWithParam<Case> {};

TEST_P(ReplayEvery, CardLayerSeesTheSameCard) {
  use_key_dir(temp_dir() + "/key-replay");
  const auto state = personality_state(GetParam().family, GetParam().quirks);
  json live_report;
  Recording rec = probe_recording(state, &live_report);
  Card live(std::make_unique<vcard::InProcessTransport>(std::make_shared<vcard::VirtualCard>(state)));
  Card replayed(std::make_unique<ReplayTransport>(rec));
  EXPECT_EQ(profile_summary(replayed), profile_summary(live));
  // Strictly in order, the probe itself sees the same card: the same report.
  auto again = cli::run_probe(std::make_unique<ReplayTransport>(rec, ReplayTransport::Mode::Strict));
  live_report.erase("reader");
  again.report.erase("reader");
  EXPECT_EQ(again.report, live_report);
}

INSTANTIATE_TEST_SUITE_P(Personalities, ReplayEvery, ::testing::ValuesIn(kCases));

TEST(Replay, UnexpectedCommandFailsNamingIt) {
  Recording rec = probe_recording(personality_state("2x", {}));
  Card card(std::make_unique<ReplayTransport>(rec));
  card.profile();
  try {
    card.locked([](AkisCommands& c) { return c.select_ef(0x4242); });
    FAIL() << "a command without an answer was answered";
  } catch (const ReplayMiss& e) {
    EXPECT_NE(std::string(e.what()).find("00 A4 02 "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("42 42"), std::string::npos) << e.what();
  }
  ReplayTransport strict(rec, ReplayTransport::Mode::Strict);
  try {
    strict.transmit(from_hex("00B0000010"));
    FAIL();
  } catch (const ReplayMiss& e) {
    EXPECT_NE(std::string(e.what()).find("00 B0 00 00 10"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("command 1"), std::string::npos) << e.what();
  }
}

TEST(Replay, SecretsAreNeverRecordedAndMalformedFilesNameTheLine) {
  EXPECT_TRUE(secret_command(from_hex("0020008106313233343536")));
  EXPECT_FALSE(secret_command(from_hex("00200081")));
  for (const char* bad : {"", "akis-recording 2\n", "akis-recording 1\n> 00A4\n< 9000\n",
                          "akis-recording 1\natr 3B00\n> 00A40000\n", "akis-recording 1\natr 3B00\n< 9000\n",
                          "akis-recording 1\natr 3B0\n", "akis-recording 1\natr 3B00\n> 00A4000002*\n< 9000\n"}) {
    std::istringstream in(bad);
    EXPECT_THROW(parse_recording(in), std::invalid_argument) << bad;
  }
  std::istringstream in("akis-recording 1\n# comment\natr 3B00\n> 00A40000\n< 6A82\n> 00200081*\n< 63C2 # tries\n");
  Recording r = parse_recording(in);
  ASSERT_EQ(r.exchanges.size(), 2u);
  ReplayTransport t(r);
  EXPECT_EQ(to_hex(t.transmit(from_hex("0020008106313233343536"))), "63C2");  // matched by its header
}

TEST(Replay, ReadBinaryInOtherStepsComesFromTheFileContent) {
  std::istringstream in("akis-recording 1\natr 3B00\n> 00A4020C022F10\n< 9000\n> 00B0000004\n< 010203049000\n"
                        "> 00B0000404\n< 05069000\n> 00A4020C022F11\n< 9000\n> 00B0000002\n< AABB9000\n");
  ReplayTransport t(parse_recording(in));
  EXPECT_THROW(t.transmit(from_hex("00B0000006")), ReplayMiss);  // nothing selected yet: no file
  t.transmit(from_hex("00A4020C022F10"));
  EXPECT_EQ(to_hex(t.transmit(from_hex("00B0000006"))), "0102030405069000");
  EXPECT_EQ(to_hex(t.transmit(from_hex("00B0000208"))), "030405066282");  // the recorded end came first
  EXPECT_EQ(to_hex(t.transmit(from_hex("00B0000701"))), "6B00");
  t.transmit(from_hex("00A4020C022F11"));
  EXPECT_EQ(to_hex(t.transmit(from_hex("00B0000001"))), "AA9000");
  EXPECT_THROW(t.transmit(from_hex("00B0000004")), ReplayMiss);  // its end was never seen
}

// A trace of the holder's own (AKIS_APDU_TRACE_PERSONAL=yes) replays as the card; a redacted one says it cannot.
TEST(Replay, PersonalTraceBecomesARecording) {
  use_key_dir(temp_dir() + "/key-trace-rec");
  const auto state = personality_state("2x", {"short-responses", "fci-no-size"});
  for (bool personal : {true, false}) {
    std::string all;
    trace::set_personal(personal);
    trace::set_sink([&](const std::string& l) { all += l + "\n"; });
    std::string live;
    {
      Card card(std::make_unique<vcard::InProcessTransport>(std::make_shared<vcard::VirtualCard>(state)));
      live = profile_summary(card);
      card.pin_status(*card.profile().user_pin());
      card.verify(*card.profile().user_pin(), Secret("123456"));
    }
    trace::set_sink(nullptr);
    trace::set_personal(false);
    std::istringstream in(all);
    if (!personal) {
      try {
        recording_from_trace(in);
        FAIL() << "a redacted trace was taken as a recording";
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("redacted"), std::string::npos) << e.what();
      }
      continue;
    }
    Recording rec = recording_from_trace(in);
    EXPECT_EQ(rec.atr, state.atr);
    EXPECT_EQ(rec.text().find("313233343536"), std::string::npos);  // the PIN is not in it
    Card replayed(std::make_unique<ReplayTransport>(rec));
    EXPECT_EQ(profile_summary(replayed), live);
    EXPECT_NO_THROW(replayed.verify(*replayed.profile().user_pin(), Secret("123456")));  // by the header
  }
}

// The module's read-only paths against the recording: token, objects, attributes as on the live card.
class ModuleReplay : public P11, public ::testing::WithParamInterface<Case> {
 protected:
  std::string dump(const char* reader) {
    std::ostringstream s;
    CK_TOKEN_INFO ti;
    EXPECT_EQ(f->C_GetTokenInfo(slot_of(reader), &ti), CKR_OK);
    s << std::string(reinterpret_cast<char*>(ti.label), 32) << std::string(reinterpret_cast<char*>(ti.serialNumber), 16)
      << " flags " << ti.flags << "\n";
    CK_SESSION_HANDLE h = open(false, reader);
    std::vector<std::string> objects;
    for (CK_OBJECT_CLASS cls : {CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY}) {
      for (auto o : find_class(h, cls)) {
        std::ostringstream os;
        os << cls;
        for (CK_ATTRIBUTE_TYPE t : {CKA_LABEL, CKA_ID, CKA_VALUE, CKA_KEY_TYPE, CKA_MODULUS, CKA_EC_POINT, CKA_SUBJECT,
                                    CKA_SIGN, CKA_DECRYPT, CKA_ALWAYS_AUTHENTICATE})
          os << " " << to_hex(get(h, o, t));
        objects.push_back(os.str());
      }
    }
    std::sort(objects.begin(), objects.end());
    for (auto& o : objects) s << o << "\n";
    EXPECT_EQ(f->C_CloseSession(h), CKR_OK);
    return s.str();
  }
};

TEST_P(ModuleReplay, SameObjectsAndAttributes) {
  use_key_dir(temp_dir() + "/key-module");
  const auto state = personality_state(GetParam().family, GetParam().quirks);
  const Recording rec = probe_recording(state);
  readers().insert(kReaderA, std::make_shared<vcard::VirtualCard>(state));
  init();
  const std::string live = dump(kReaderA);
  ASSERT_EQ(f->C_Finalize(nullptr), CKR_OK);
  readers().clear();

  set_replay_recording(rec);
  p11::set_backend_factory(&make_replay_backend);
  init();
  const std::string replayed = dump(kReplayReader);
  EXPECT_EQ(replayed, live);
  EXPECT_NE(live.find("\n1 "), std::string::npos) << "no certificate seen: " << live;  // CKO_CERTIFICATE = 1
}

INSTANTIATE_TEST_SUITE_P(Personalities, ModuleReplay, ::testing::ValuesIn(kCases));

}  // namespace
