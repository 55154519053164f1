// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis probe` as a holder runs it: the built tool, through the real pcscd and vpcd, against virtual cards of
// every family and a set of personalities. The card's state file (PINs, tries, files) is byte-identical before
// and after; the card-side trace (akis-vcard run --trace) shows only the commands the probe may send; the report
// parses as JSON and holds none of the holder's data; its recording, replayed through the card layer, gives
// the profile the card layer reads from the live card.
#include <fstream>
#include <regex>
#include <sstream>

#include "host_env.hpp"
#include "akis/pcsc.hpp"
#include "evidence_util.hpp"
#include "pcsc_fixture.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::vector<Case> kCases = {
    {"1.0", {}}, {"1x", {}}, {"2x", {}}, {"1x", {}, false}, {"2x", {}, false},
    {"1.0", {"verify-empty-spends"}}, {"1x", {"verify-empty-spends", "app-by-aid-only"}},
    {"2x", {"app-by-efdir", "odf-relative-paths", "paths-need-mf"}}, {"2x", {"fci-no-size", "read-cap-128", "cert-padded"}},
    {"2x", {"pin-status-refused", "pin-padded"}}, {"2x", {"cla80-refused", "get-data-refused", "fcp-template"}},
    {"2x", {"short-responses", "read-6cxx", "fci-extra-tags"}}, {"2x", {"cert-direct-value", "issuer-cert", "no-pukdf"}}};

class ProbePcsc : public PcscTest, public ::testing::WithParamInterface<Case> {};

TEST_P(ProbePcsc, ReadOnlyReportAndReplay) {
  const Case& c = GetParam();
  static int n = 0;
  const std::string dir = temp_dir() + "/probe" + std::to_string(++n);
  std::filesystem::create_directories(dir);
  const std::string trace = dir + "/card-trace.log", report = dir + "/report.json", rec = dir + "/session.rec";
  const std::string state = insert_state(personality_state(c.family, c.quirks, c.puk), 35963, {"--trace", trace});
  const std::string before = slurp(state);
  std::string out;
  int rc = run_command("XDG_CONFIG_HOME='" + dir + "/config' '" AKIS_CLI_BIN "' probe --reader '" +
                           std::string(Pcscd::kReader0) + "' --report '" + report + "' --record '" + rec + "' --json",
                       out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(slurp(state), before) << "the probe changed the card's state file";

  // The card's own trace: only SELECT, READ BINARY/RECORD, GET RESPONSE, GET DATA, LIST FILES, VERIFY without data.
  std::istringstream lines(slurp(trace));
  std::string line;
  std::size_t commands = 0;
  const std::regex apdu("^-> ([0-9A-F]{2}) ([0-9A-F]{2})(.*)$");
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, apdu)) continue;
    ++commands;
    Bytes hdr = from_hex(m[1].str() + m[2].str());
    EXPECT_EQ(m[3].str().find("redacted"), std::string::npos) << "a PIN command with data: " << line;
    EXPECT_TRUE(hdr[1] == 0xA4 || hdr[1] == 0xB0 || hdr[1] == 0xB2 || hdr[1] == 0xC0 || hdr[1] == 0xCA ||
                (hdr[1] == 0x18 && hdr[0] == 0x80) || hdr[1] == 0x20)
        << line;
  }
  EXPECT_GT(commands, 5u);

  json r = json::parse(slurp(report));
  EXPECT_EQ(r["format"], "akis-probe 1");
  EXPECT_EQ(json::parse(out.substr(out.find('{'), out.rfind('}') - out.find('{') + 1)), r);
  EXPECT_TRUE(r["module"]["token_present"].get<bool>()) << r.dump(2);
  const std::string text = slurp(report);
  const auto& m = material_for(c.family, c.puk);
  for (auto& e : encodings(personality_options(c.family, c.quirks, c.puk).holder))
    EXPECT_EQ(text.find(e), std::string::npos) << e;
  for (auto& e : encodings(to_hex(m.serial))) EXPECT_EQ(text.find(e), std::string::npos) << e;

  // The recording replays as the live card.
  Recording recording = read_recording(rec);
  auto ctx = std::make_shared<pcsc::Context>();
  Card live(std::make_unique<pcsc::PcscTransport>(ctx, Pcscd::kReader0));
  Card replayed(std::make_unique<ReplayTransport>(recording));
  EXPECT_EQ(profile_summary(replayed), profile_summary(live));

  // `akis probe --sanitise`: the same card for the card layer (keys, certificate sizes), none of the holder's data.
  const std::string clean = dir + "/session-public.rec";
  rc = run_command("XDG_CONFIG_HOME='" + dir + "/config' '" AKIS_CLI_BIN "' probe --sanitise '" + rec + "' '" + clean + "'",
                   out);
  ASSERT_EQ(rc, 0) << out;
  const std::string published = slurp(clean);
  for (auto& e : encodings(personality_options(c.family, c.quirks, c.puk).holder))
    EXPECT_EQ(published.find(e), std::string::npos) << e;
  for (auto& e : encodings(to_hex(m.serial))) EXPECT_EQ(published.find(e), std::string::npos) << e;
  Card sanitised(std::make_unique<ReplayTransport>(read_recording(clean)));
  const CardProfile& a = live.profile();
  const CardProfile& b = sanitised.profile();
  ASSERT_EQ(b.certificates.size(), a.certificates.size());
  ASSERT_EQ(b.private_keys.size(), a.private_keys.size());
  for (std::size_t i = 0; i < a.private_keys.size(); ++i) EXPECT_EQ(b.private_keys[i].id, a.private_keys[i].id);
  for (std::size_t i = 0; i < a.certificates.size(); ++i)
    EXPECT_EQ(sanitised.certificate(b.certificates[i]).size(), live.certificate(a.certificates[i]).size());
}

// The built module, loaded by pkcs11-tool through pcscd with AKIS_APDU_RECORD: its recording of a login and a
// signature is sanitised by default and replays through the card layer as the card (keys, certificate sizes),
// and the PIN is not in it.
class ModuleRecordPcsc : public PcscTest {};

TEST_F(ModuleRecordPcsc, PkcsToolSessionReplays) {
  const std::string dir = temp_dir() + "/module-record-pcsc";
  std::filesystem::create_directories(dir);
  const std::string rec = dir + "/session.rec", data = dir + "/data.txt", sig = dir + "/data.sig";
  std::ofstream(data) << "kayıt";
  vcard::PersonaliseOptions o = personality_options("2x", {});
  o.holder = "ŞÜKRÜ ÇAĞLAYAN ÖZGÜRTEST";
  o.serial_hex = "A1B2C3D4E5F60718293A4B5C";
  insert_state(vcard::personalise(o));
  std::string out;
  const std::string env = AKIS_HOST_ENV "XDG_CONFIG_HOME='" + dir + "/config' AKIS_APDU_RECORD='" + rec + "' ";
  int rc = run_command(env + "pkcs11-tool --module '" AKIS_MODULE_PATH "' -O --login --pin 123456", out);
  ASSERT_EQ(rc, 0) << out;
  rc = run_command(env + "pkcs11-tool --module '" AKIS_MODULE_PATH "' --login --pin 123456 --sign -m SHA256-RSA-PKCS "
                   "--label 'Nitelikli İmza Anahtarı' -i '" + data + "' -o '" + sig + "'",
                   out);
  ASSERT_EQ(rc, 0) << out;
  const std::string text = slurp(rec);
  ASSERT_NE(text.find("# sanitised recording"), std::string::npos) << text.substr(0, 200);
  for (auto& v : {o.holder, o.serial_hex, std::string("ÖZGÜRTEST"), std::string("123456")})
    for (auto& e : encodings(v)) EXPECT_EQ(text.find(e), std::string::npos) << "the recording holds " << e;
  auto ctx = std::make_shared<pcsc::Context>();
  Card live(std::make_unique<pcsc::PcscTransport>(ctx, Pcscd::kReader0));
  Card replayed(std::make_unique<ReplayTransport>(read_recording(rec)));
  ASSERT_EQ(replayed.profile().private_keys.size(), live.profile().private_keys.size());
  ASSERT_EQ(replayed.profile().certificates.size(), live.profile().certificates.size());
  for (std::size_t i = 0; i < live.profile().certificates.size(); ++i)
    EXPECT_EQ(replayed.certificate(replayed.profile().certificates[i]).size(),
              live.certificate(live.profile().certificates[i]).size());
  // The login (by its header) and the signature the card made are in the recording.
  EXPECT_NO_THROW(replayed.verify(*replayed.profile().user_pin(), Secret("123456")));
  const std::string signature = slurp(sig);
  ASSERT_EQ(signature.size(), 256u);
  Bytes answers;  // the answers' data in order: the signature comes in parts (61xx, GET RESPONSE)
  for (auto& e : read_recording(rec).exchanges) answers.insert(answers.end(), e.answer.begin(), e.answer.end() - 2);
  EXPECT_NE(to_hex(answers).find(to_hex(view(signature))), std::string::npos) << "the signature is not recorded";
}

TEST(ProbeSanitiseCli, BadInputIsAClearError) {
  std::string out;
  const std::string dir = temp_dir() + "/sanitise-bad";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bad.rec") << "akis-recording 1\natr 3B00\n> 00B0\n";
  EXPECT_NE(run_command("'" AKIS_CLI_BIN "' probe --sanitise '" + dir + "/bad.rec' '" + dir + "/out.rec'", out), 0);
  EXPECT_NE(out.find("bad.rec"), std::string::npos) << out;
  EXPECT_NE(out.find("line 3"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/out.rec"));
}

INSTANTIATE_TEST_SUITE_P(Personalities, ProbePcsc, ::testing::ValuesIn(kCases));

}  // namespace
