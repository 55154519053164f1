// SPDX-License-Identifier: LGPL-2.1-or-later
// Data objects on the card through the real pcscd, between separate processes of an independent client
// (OpenSC's pkcs11-tool) with the cross-process cache on: one process writes a data object, another reads the
// same bytes back, a third deletes it; the virtual card's state file shows the EF and the DODF entry, then neither.
// With writes off the write is refused and the card is unchanged.
#include <fstream>

#include "akis/profile.hpp"
#include "host_env.hpp"
#include "pcsc_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

const std::string kModule = AKIS_MODULE_PATH;
const Bytes kDodfPath = {0x3F, 0x00, 0x50, 0x15, 0x44, 0x05};

class TokenDataPcscd : public PcscTest {
 protected:
  void SetUp() override {
    dir_ = temp_dir() + "/token-data-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string out;
    run_command("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/cache'", out);
  }
  // pkcs11-tool in its own process; returns its exit code, output in `out`.
  int p11(const std::string& args, std::string& out, bool writes = true) {
    std::ofstream(dir_ + "/pkcs11.conf") << "public_cache = yes\n" << (writes ? "allow_card_writes = yes\n" : "");
    return run_command("cd '" + dir_ + "' && " + AKIS_HOST_ENV + "XDG_CACHE_HOME='" + dir_ +
                           "/cache' AKIS_PKCS11_CONF=pkcs11.conf pkcs11-tool --module '" + kModule + "' " + args,
                       out);
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static const vcard::File* file(const vcard::CardState& s, const Bytes& path) {
    for (auto& f : s.files)
      if (f.path == path) return &f;
    return nullptr;
  }
  std::string dir_;
};

TEST_F(TokenDataPcscd, WrittenByOneProcessReadByAnotherDeletedByAThird) {
  const std::string state_path = insert(Variant::Post2011);
  const std::size_t files_before = vcard::load(state_path).files.size();
  std::string payload = "e-imza ayarları\n";
  for (int i = 0; i < 40; ++i) payload += std::to_string(i * 7919) + ";";  // more than one command's worth
  std::ofstream(dir_ + "/payload.bin", std::ios::binary) << payload;
  std::string out;
  ASSERT_EQ(p11("--list-objects", out), 0) << out;  // a first process: the cache file is written

  // Writes off: refused, nothing on the card.
  EXPECT_NE(p11("--login --pin 123456 --write-object payload.bin --type data --application-label akis-test "
                "--label ayar",
                out, false),
            0);
  EXPECT_EQ(vcard::load(state_path).files.size(), files_before) << out;

  ASSERT_EQ(p11("--login --pin 123456 --write-object payload.bin --type data --application-label akis-test "
                "--application-id 1.3.6.1.4.1.28842 --label ayar",
                out),
            0)
      << out;
  vcard::CardState s = vcard::load(state_path);
  EXPECT_EQ(s.files.size(), files_before + 1);
  auto listed = parse_dodf(file(s, kDodfPath)->data);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].application, "akis-test");
  EXPECT_EQ(listed[0].label, "ayar");
  EXPECT_EQ(to_hex(listed[0].oid), "06082B0601040181E12A");
  ASSERT_NE(file(s, listed[0].path), nullptr);
  EXPECT_EQ(file(s, listed[0].path)->data, to_bytes(payload));

  ASSERT_EQ(p11("--read-object --type data --application-label akis-test --output-file back.bin", out), 0) << out;
  EXPECT_EQ(read("back.bin"), payload);
  ASSERT_EQ(p11("--list-objects --type data", out), 0);
  EXPECT_NE(out.find("akis-test"), std::string::npos) << out;

  ASSERT_EQ(p11("--login --pin 123456 --delete-object --type data --application-label akis-test", out), 0) << out;
  s = vcard::load(state_path);
  EXPECT_EQ(s.files.size(), files_before);
  EXPECT_TRUE(parse_dodf(file(s, kDodfPath)->data).empty());
  EXPECT_EQ(file(s, listed[0].path), nullptr);
  EXPECT_NE(p11("--read-object --type data --application-label akis-test --output-file gone.bin", out), 0);
}

}  // namespace
