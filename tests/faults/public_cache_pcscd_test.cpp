// SPDX-License-Identifier: LGPL-2.1-or-later
// The cross-process cache through the real pcscd, between separate processes (pkcs11-tool): a second process
// lists the certificates after GET DATA and one READ BINARY of the CDF by its short EF identifier; a certificate
// written by one process removes the cache file and is listed by the next; after pcscd powered the idle card off
// (the MF current) the CDF is SELECTed and read instead.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

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
  // Commands sent before the module took the cached content (0 when it did not).
  static std::size_t cache_check(const std::string& log) {
    auto at = log.find("# public content taken from the cache");
    return at == std::string::npos ? 0 : count(log.substr(0, at), "-> ");
  }
  const std::string select_cdf = "-> 00 A4 08 00 04 50 15 44 04";
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
  // The card is looked up by GET DATA first, then the CDF by SFI in the DF the first process left current. pcscd
  // may have powered the card off in between (5 s idle): then the SFI names nothing in the MF and one SELECT +
  // READ BINARY follows. No certificate file is read.
  const std::string second_log = text("second.log");
  EXPECT_EQ(second_log.find("-> "), second_log.find("-> 00 CA 01 06")) << second_log;
  EXPECT_EQ(count(second_log, "-> 00 B0 84 00"), 1u) << second_log;
  EXPECT_LE(count(second_log, read), 2u);
  EXPECT_EQ(count(second_log, "00 A4 08 00 04 50 15 2F 10"), 0u);
  EXPECT_EQ(cache_check(second_log), 2 + 2 * count(second_log, select_cdf)) << second_log;
  std::cout << "second process: " << count(second_log, "-> ") << " commands, " << count(second_log, read)
            << " READ BINARY\n";

  // A third process writes a certificate; a fourth lists it.
  const Bytes other = material_for("1.0").keys.at(0).cert_der;
  std::ofstream(dir_ + "/other.der", std::ios::binary) << std::string(other.begin(), other.end());
  p11("--login --pin 123456 --write-object other.der --type cert --id 99 --label 'Test Kök SM'", "write.log",
      "allow_certificate_writes = yes\n");
  std::size_t files = 0;  // a write through the module removes the card's cache file
  for (auto& e : std::filesystem::directory_iterator(dir_ + "/cache/akis"))
    if (e.path().filename().string().starts_with("card-")) ++files;
  EXPECT_EQ(files, 0u);
  std::string fourth = p11("--list-objects --type cert", "fourth.log");
  EXPECT_NE(fourth.find("Test Kök SM"), std::string::npos) << fourth;
  std::string fifth = p11("--list-objects --type cert", "fifth.log");  // and the cache follows again
  EXPECT_EQ(fourth, fifth);
  EXPECT_EQ(count(text("fifth.log"), odf), 0u);

  // Idle past pcscd's power-off grace period: the card comes back with the MF current.
  std::this_thread::sleep_for(std::chrono::seconds(7));
  std::string sixth = p11("--list-objects --type cert", "sixth.log");
  EXPECT_EQ(sixth, fifth);
  const std::string sixth_log = text("sixth.log");
  EXPECT_EQ(count(sixth_log, odf), 0u);
  EXPECT_EQ(count(sixth_log, "-> 00 B0 84 00"), 1u) << sixth_log;
  EXPECT_EQ(cache_check(sixth_log), 2 + 2 * count(sixth_log, select_cdf)) << sixth_log;
  std::cout << "after 7 s idle: " << count(sixth_log, "-> ") << " commands, " << count(sixth_log, read)
            << " READ BINARY, " << count(sixth_log, select_cdf) << " SELECT of the CDF\n";
}

}  // namespace
