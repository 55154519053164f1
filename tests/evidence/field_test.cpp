// SPDX-License-Identifier: LGPL-2.1-or-later
// Replays every recording in tests/field/ (AKIS_FIELD_DIR): a card a holder sent becomes a regression test by
// dropping its file there. Through the probe on the card layer, the verdict must be the file's "# expect:" line;
// through the PKCS#11 module, a token exactly when the card works, with the objects the probe found.
#include <filesystem>
#include <fstream>

#include "evidence_util.hpp"
#include "p11_fixture.hpp"
#include "replay_backend.hpp"

using namespace akis;
using namespace akis::test;

namespace {

std::vector<std::string> recordings() {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(AKIS_FIELD_DIR, ec))
    if (e.path().extension() == ".rec") out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string expected_verdict(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("# expect: ", 0) == 0) return line.substr(10);
  return {};
}

class Field : public P11, public ::testing::WithParamInterface<std::string> {};

TEST_P(Field, ReplaysAsExpected) {
  use_key_dir(temp_dir() + "/field-key");
  const std::string path = std::string(AKIS_FIELD_DIR) + "/" + GetParam();
  const std::string expect = expected_verdict(path);
  ASSERT_FALSE(expect.empty()) << path << ": add a line '# expect: works' (or the verdict the card should have)";
  Recording rec = read_recording(path);

  auto res = cli::run_probe(std::make_unique<ReplayTransport>(rec));
  EXPECT_EQ(res.report["verdict"]["result"], expect) << res.report["verdict"].dump();
  const bool works = expect.rfind("works", 0) == 0;

  set_replay_recording(rec);
  p11::set_backend_factory(&make_replay_backend);
  init();
  CK_ULONG n = 0;
  ASSERT_EQ(f->C_GetSlotList(CK_TRUE, nullptr, &n), CKR_OK);
  ASSERT_EQ(n, works ? 1u : 0u);
  if (!works) return;
  CK_SESSION_HANDLE h = open(false, kReplayReader);
  std::size_t objects = find(h).size();
  const auto& o = res.report["module"]["objects"];
  EXPECT_GE(objects, o["certificates"].get<std::size_t>() + o["private_keys"].get<std::size_t>());
  for (auto cert : find_class(h, CKO_CERTIFICATE)) EXPECT_FALSE(get(h, cert, CKA_VALUE).empty());
  EXPECT_EQ(f->C_CloseSession(h), CKR_OK);
}

INSTANTIATE_TEST_SUITE_P(Recordings, Field, ::testing::ValuesIn(recordings()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           std::string s = i.param;
                           for (auto& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

TEST(FieldDir, HasRecordings) { EXPECT_FALSE(recordings().empty()) << AKIS_FIELD_DIR; }

// The compatibility table of docs/field-evidence.md follows the folder: every recording is in it, with its ATR.
TEST(FieldDir, CompatibilityTableNamesEveryRecording) {
  std::ifstream in(std::string(AKIS_FIELD_DIR) + "/../../docs/field-evidence.md");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto table = doc.find("## Compatibility table");
  ASSERT_NE(table, std::string::npos);
  doc = doc.substr(table);
  for (auto& name : recordings()) {
    EXPECT_NE(doc.find("tests/field/" + name), std::string::npos) << name << " is not in the compatibility table";
    const std::string atr = to_hex(read_recording(std::string(AKIS_FIELD_DIR) + "/" + name).atr);
    EXPECT_NE(doc.find(atr), std::string::npos) << name << ": its ATR " << atr << " has no row";
  }
}

}  // namespace
