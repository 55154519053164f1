// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis` error paths of issue 14, each with its own message, through real pcscd and the virtual card.
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "akis_cli_fixture.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;

namespace {

TEST_F(AkisCli, PinFdThatIsClosedOrRunsShort) {
  std::string state = insert(Variant::Pre2011);
  std::string out;
  int rc = run_command("LANG=C " + kAkis + " --pin-fd 7 pin change 7<&-", out);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(has(out, "--pin-fd 7: this file descriptor is not open.")) << out;
  rc = run_command("LANG=C " + kAkis + " --pin-fd 0 pin change </dev/null", out);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(has(out, "--pin-fd 0 has too few lines: the PIN was expected on line 1.")) << out;
  auto two = akis("pin change", "C.UTF-8", "123456\\n24682468\\n");
  EXPECT_EQ(two.rc, 1);
  EXPECT_TRUE(has(two.out, "too few lines: the PIN was expected on line 3.")) << two.out;
  auto tr = akis("pin change", "tr_TR.UTF-8", "123456\\n");
  EXPECT_TRUE(has(tr.out, "yeterli satır yok: PIN 2. satırda bekleniyordu")) << tr.out;
  for (auto* r : {&two, &tr}) EXPECT_FALSE(has(r->out, "No terminal")) << r->out;
  auto longline = akis("pin change", "C.UTF-8", std::string(80, '7') + "\\n24682468\\n24682468\\n");
  EXPECT_EQ(longline.rc, 9);
  EXPECT_TRUE(has(longline.out, "too long")) << longline.out;
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);  // nothing reached the card
}

TEST_F(AkisCli, GlobalOptionsAfterTheSubcommand) {
  std::string state = insert(Variant::Pre2011);
  std::string out;
  int rc = run_command("printf '123456\\n24682468\\n24682468\\n' | LANG=C " + kAkis +
                           " pin change --pin-fd 0 --reader 'Virtual PCD 00 00'", out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(pin_of(state, 0x81).value, to_bytes("24682468"));
  auto other = akis("info --reader 'Virtual PCD 00 01'");
  EXPECT_EQ(other.rc, 4) << other.out;  // the option was taken: that reader is empty
}

TEST_F(AkisCli, UnknownCommandsVersionAndTurkishHelp) {
  auto unknown = akis("frobnicate");
  EXPECT_EQ(unknown.rc, 1);
  EXPECT_TRUE(has(unknown.out, "Unknown command: frobnicate")) << unknown.out;
  EXPECT_FALSE(has(unknown.out, "subcommand is required")) << unknown.out;
  EXPECT_TRUE(has(akis("pin frobnicate", "tr_TR.UTF-8").out, "Bilinmeyen komut: frobnicate. Komutlar: change, unblock"));
  auto version = akis("--version");
  EXPECT_EQ(version.rc, 0);
  EXPECT_EQ(version.out, std::string("akis ") + AKIS_PROJECT_VERSION + "\n");
  auto help = akis("--help", "tr_TR.UTF-8");
  EXPECT_EQ(help.rc, 0);
  for (const char* s : {"Kullanım: akis [SEÇENEKLER] KOMUT", "Seçenekler:", "Komutlar:", "Bu yardımı gösterir",
                        "kart, PIN ve sertifika bilgileri"})
    EXPECT_TRUE(has(help.out, s)) << s << "\n" << help.out;
  EXPECT_FALSE(has(help.out, "Usage:")) << help.out;
  auto bad = akis("cert export --format xml", "tr_TR.UTF-8");
  EXPECT_EQ(bad.rc, 1);
  EXPECT_TRUE(has(bad.out, "Geçersiz değer: --format")) << bad.out;
  EXPECT_TRUE(has(bad.out, "Ayrıntılar için: akis --help")) << bad.out;
  auto none = akis("", "tr_TR.UTF-8");
  EXPECT_TRUE(has(none.out, "Bir komut gerekli.")) << none.out;
}

TEST_F(AkisCli, CertIndexPukLengthPluralAndWriteErrors) {
  std::string state = insert(Variant::Pre2011);
  auto zero = akis("cert export -i 0");
  EXPECT_EQ(zero.rc, 1);
  EXPECT_TRUE(has(zero.out, "The certificate number is 1 or more")) << zero.out;
  EXPECT_FALSE(std::regex_search(zero.out, std::regex("[0-9]{8,}"))) << zero.out;  // no 1.797e308-digit range
  auto puk = akis("pin unblock", "C.UTF-8", "123\\n24682468\\n24682468\\n");
  EXPECT_EQ(puk.rc, 9);
  EXPECT_TRUE(has(puk.out, "The PUK must have")) << puk.out;
  EXPECT_FALSE(has(puk.out, "The PIN must")) << puk.out;
  EXPECT_EQ(pin_of(state, 0x82).tries_left, 3);
  akis("pin change", "C.UTF-8", "000000\\n24682468\\n24682468\\n");
  auto one = akis("pin change", "C.UTF-8", "000000\\n24682468\\n24682468\\n");
  EXPECT_EQ(one.rc, 7);
  EXPECT_TRUE(has(one.out, "Wrong PIN. 1 try left.")) << one.out;
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 1);
  auto write = akis("cert export -o " + temp_dir() + "/no/such/dir/c.pem");
  EXPECT_EQ(write.rc, 1);
  EXPECT_TRUE(has(write.out, "c.pem: No such file or directory")) << write.out;
}

TEST_F(AkisCli, JsonOutputOnErrorsAndTheSameExitCodes) {
  auto info = akis("info --json");  // the reader is empty
  EXPECT_EQ(info.rc, 4);
  std::string out;
  EXPECT_EQ(run_command("(LANG=C " + kAkis + " info --json 2>/dev/null)", out), 4);  // stdout only
  auto j = json::parse(out);
  EXPECT_EQ(j["exit_code"], 4);
  EXPECT_TRUE(has(j["error"].get<std::string>(), "no card in the reader")) << out;
  pcscd_->stop();
  auto plain = akis("readers");
  int json_rc = run_command("(LANG=C " + kAkis + " readers --json 2>/dev/null)", out);
  EXPECT_EQ(plain.rc, 2);
  EXPECT_EQ(json_rc, plain.rc);
  EXPECT_EQ(json::parse(out)["exit_code"], 2) << out;
  // pcscd with no reader at all (an empty reader.conf.d, no USB reader): both forms exit 3.
  std::string d = temp_dir() + "/no-readers";
  std::string script = "mkdir -p " + d + " && (pcscd -f -c " + d + " >/dev/null 2>&1 & echo $! > " + d +
                       ".pid) && for i in $(seq 50); do LANG=C " + kAkis + " readers >" + d + ".plain 2>&1; rc=$?; [ $rc != 2 ] && break; sleep 0.1; done; "
                       "LANG=C " + kAkis + " readers --json > " + d + ".json 2>/dev/null; echo \"$rc $?\"; p=$(cat " + d + ".pid); kill $p; "
                       "for i in $(seq 100); do grep -qs '^State:.*[^Z] ' /proc/$p/status || break; sleep 0.05; done";  // gone or a zombie
  run_command(script, out);
  pcscd_->restart();
  EXPECT_EQ(out, "3 3\n");
  std::ifstream plain_out(d + ".plain"), json_out(d + ".json");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(plain_out)), {}), "No card readers.\n");
  EXPECT_EQ(json::parse(json_out), json::array());
}

TEST_F(AkisCli, UnlockNetworkErrorsInWords) {
  insert(Variant::Post2011);
  std::string out;
  int rc = run_command("AKIS_UNLOCK_CODE=123456789012345 AKIS_NEW_PIN=24682468 LANG=C " + kAkis +
                           " unlock --service https://127.0.0.1:9 </dev/null",
                       out);
  EXPECT_EQ(rc, 25) << out;
  EXPECT_TRUE(has(out, "cannot be reached: the connection was refused")) << out;
  EXPECT_FALSE(std::regex_search(out, std::regex("Connection|SSL[A-Z]"))) << out;
}

}  // namespace
