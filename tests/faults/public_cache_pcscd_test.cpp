// SPDX-License-Identifier: LGPL-2.1-or-later
// The cross-process cache through the real pcscd, between separate processes (pkcs11-tool): a second process
// lists the certificates without reading the directory; a certificate written by one process is listed by the
// next (the cache is dropped on a write, and the CDF comparison sees it anyway).
#include <fstream>

#include "host_env.hpp"
#include "pcsc_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

const std::string kModule = AKIS_MODULE_PATH;

class PublicCachePcscd : public PcscTest {
 protected:
  void SetUp() override {
    dir_ = temp_dir() + "/public-cache-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string out;
    run_command("rm -rf '" + dir_ + "' && mkdir -p '" + dir_ + "/cache'", out);
  }
  // pkcs11-tool with the cache on and the module's APDU trace in `trace`; returns its output.
  std::string p11(const std::string& args, const std::string& trace, const std::string& extra_conf = "") {
    std::ofstream(dir_ + "/pkcs11.conf") << "public_cache = yes\napdu_trace = " << dir_ << "/" << trace << "\n"
                                         << extra_conf;
    std::string out;
    int rc = run_command("cd '" + dir_ + "' && " + AKIS_HOST_ENV + "XDG_CACHE_HOME='" + dir_ +
                             "/cache' AKIS_PKCS11_CONF=pkcs11.conf pkcs11-tool --module '" + kModule + "' " + args,
                         out);
    EXPECT_EQ(rc, 0) << args << "\n" << out;
    return out;
  }
  std::string text(const std::string& name) {
    std::ifstream in(dir_ + "/" + name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::size_t count(const std::string& hay, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
    return n;
  }
  std::string dir_;
};

TEST_F(PublicCachePcscd, SecondProcessSkipsTheDirectoryAndSeesAnotherProcesssWrite) {
  insert(Variant::Post2011);
  std::string first = p11("--list-objects --type cert", "first.log");
  std::string second = p11("--list-objects --type cert", "second.log");
  EXPECT_EQ(first, second);
  const std::string odf = "00 A4 02 00 02 50 31", read = "-> 00 B0";
  EXPECT_EQ(count(text("first.log"), odf), 1u);
  EXPECT_EQ(count(text("second.log"), odf), 0u) << text("second.log");  // the directory came from the cache
  EXPECT_LT(count(text("second.log"), "-> "), count(text("first.log"), "-> "));
  EXPECT_LE(count(text("second.log"), read), 2u);  // the CDF and the certificate's first bytes

  // A third process writes a certificate; a fourth lists it.
  const Bytes other = material_for("1.0").keys.at(0).cert_der;
  std::ofstream(dir_ + "/other.der", std::ios::binary) << std::string(other.begin(), other.end());
  p11("--login --pin 123456 --write-object other.der --type cert --id 99 --label 'Test Kök SM'", "write.log",
      "allow_certificate_writes = yes\n");
  std::string fourth = p11("--list-objects --type cert", "fourth.log");
  EXPECT_NE(fourth.find("Test Kök SM"), std::string::npos) << fourth;
  std::string fifth = p11("--list-objects --type cert", "fifth.log");  // and the cache follows again
  EXPECT_EQ(fourth, fifth);
  EXPECT_EQ(count(text("fifth.log"), odf), 0u);
}

}  // namespace
