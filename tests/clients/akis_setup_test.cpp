// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis setup` on real profiles made by Firefox ESR and Thunderbird (headless -CreateProfile) and a Chromium
// database: modutil lists the module afterwards, and NSS's certutil, reading a profile's own database, lists the
// virtual card's certificate through it (the Firefox/NSS client test style of clients_test.cpp).
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "akis_cli_fixture.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;

namespace {

class AkisSetup : public AkisCli {
 protected:
  void SetUp() override {
    home_ = temp_dir() + "/home";
    ::mkdir(home_.c_str(), 0700);
    std::string out;
    for (auto* p : {"firefox-esr -headless -CreateProfile ffprof", "thunderbird -headless -CreateProfile tbprof"})
      ASSERT_EQ(run_command("HOME=" + home_ + " XDG_CONFIG_HOME= " + p + " >/dev/null 2>&1", out), 0) << p;
    ::mkdir((home_ + "/.config").c_str(), 0700);
    ::mkdir((home_ + "/.config/chromium").c_str(), 0700);  // Chromium has run once
  }
  Result setup(const std::string& args, const std::string& lang = "C.UTF-8") {
    Result r;
    r.rc = run_command("HOME=" + home_ + " XDG_CONFIG_HOME= LANG=" + lang + " LANGUAGE= LC_ALL= " +
                           std::string(AKIS_HOST_ENV) + kAkis + " setup --module '" + AKIS_MODULE_PATH + "' " + args,
                       r.out);
    return r;
  }
  // Every profile database `akis setup --json` reports, by program.
  std::map<std::string, std::string> databases() {
    std::map<std::string, std::string> dirs;
    for (auto& d : json::parse(setup("--check --json").out)) dirs[d["program"]] = d["path"];  // stdout only
    return dirs;
  }
  std::string nss(const std::string& cmd) {
    std::string out;
    run_command("HOME=" + home_ + " " + std::string(AKIS_HOST_ENV) + cmd + " 2>&1", out);
    return out;
  }
  std::string home_;
};

TEST_F(AkisSetup, RegistersInEveryProfileAndFirefoxSeesTheCard) {
  std::string state = insert(Variant::Pre2011);
  auto dirs = databases();
  ASSERT_EQ(dirs.size(), 3u) << setup("--check").out;
  EXPECT_NE(dirs["Firefox"].find("ffprof"), std::string::npos) << dirs["Firefox"];
  EXPECT_NE(dirs["Thunderbird"].find("tbprof"), std::string::npos) << dirs["Thunderbird"];
  EXPECT_EQ(dirs["Chromium"], home_ + "/.pki/nssdb");
  auto before = setup("--check");
  EXPECT_EQ(before.rc, 13) << before.out;

  auto added = setup("", "tr_TR.UTF-8");
  ASSERT_EQ(added.rc, 0) << added.out;
  EXPECT_TRUE(has(added.out, "ffprof")) << added.out;
  EXPECT_TRUE(has(added.out, "Modül 3 profilde var (toplam 3 profil).")) << added.out;
  EXPECT_TRUE(has(added.out, "eklendi")) << added.out;
  for (auto& [program, dir] : dirs) {
    std::string list = nss("modutil -dbdir sql:" + dir + " -list -force");
    EXPECT_TRUE(has(list, "AKIS smart card (akis-pkcs11)")) << program << "\n" << list;
    EXPECT_TRUE(has(list, AKIS_MODULE_PATH)) << program << "\n" << list;
  }
  // The holder's certificate, read through the module from the Firefox profile's own database.
  std::string label = json::parse(akis("info --json").out)["certificates"][0]["label"];
  std::string certs = nss("certutil -d sql:" + dirs["Firefox"] + " -L -h all");
  EXPECT_TRUE(has(certs, label)) << label << "\n" << certs;
  EXPECT_TRUE(has(nss("certutil -d sql:" + dirs["Thunderbird"] + " -L -h all"), label));

  // Firefox itself, started on the profile, loads the module and reads the card: the module's APDU trace,
  // written from inside the Firefox process, shows the PKCS#15 application being selected. Firefox is stopped as
  // soon as the trace has it (a page load needs NSS: that is when Firefox loads the profile's modules).
#ifndef AKIS_SANITIZED  // Firefox does not run with a preloaded ASan runtime; the normal build checks this
  std::string trace = temp_dir() + "/firefox-apdu.log";
  std::string ff;
  run_command("cd " + temp_dir() + " && (HOME=" + home_ + " XDG_CONFIG_HOME= AKIS_APDU_TRACE=" + trace + " " +
                  std::string(AKIS_HOST_ENV) + "firefox-esr -headless -no-remote -profile " + dirs["Firefox"] +
                  " https://127.0.0.1:9/ >/dev/null 2>&1 & pid=$!; for i in $(seq 150); do grep -q '50 4B 43 53 2D 31 35' " +
                  trace + " 2>/dev/null && break; sleep 0.2; done; kill $pid; wait $pid)",
              ff);
  std::ifstream tf(trace);
  std::string apdus((std::istreambuf_iterator<char>(tf)), {});
  EXPECT_TRUE(has(apdus, "00 A4 04 00 07 50 4B 43 53 2D 31 35")) << "Firefox did not read the card\n" << apdus;
#endif

  auto again = setup("");
  EXPECT_EQ(again.rc, 0);
  EXPECT_TRUE(has(again.out, "already registered")) << again.out;
  auto check = setup("--check");
  EXPECT_EQ(check.rc, 0) << check.out;
  EXPECT_TRUE(has(check.out, "registered (" + std::string(AKIS_MODULE_PATH) + ")")) << check.out;

  auto removed = setup("--remove");
  EXPECT_EQ(removed.rc, 0) << removed.out;
  EXPECT_TRUE(has(removed.out, "removed")) << removed.out;
  EXPECT_TRUE(has(removed.out, "0 of 3 profiles have the module.")) << removed.out;
  for (auto& [program, dir] : dirs) {
    std::ifstream f(dir + "/pkcs11.txt");
    std::string text((std::istreambuf_iterator<char>(f)), {});
    EXPECT_FALSE(has(text, "akis-pkcs11")) << program << "\n" << text;
  }
  EXPECT_EQ(setup("--check").rc, 13);
  EXPECT_TRUE(has(setup("--remove").out, "not registered, nothing to remove"));
}

TEST_F(AkisSetup, AnOpenProfileIsLeftAloneAndNamed) {
  auto dirs = databases();
  // Firefox holds a `lock` symlink to host:+pid while the profile is open; this process stands in for it.
  std::string lock = dirs["Firefox"] + "/lock";
  ASSERT_EQ(::symlink(("127.0.0.1:+" + std::to_string(::getpid())).c_str(), lock.c_str()), 0);
  auto r = setup("");
  EXPECT_EQ(r.rc, 14) << r.out;
  EXPECT_TRUE(has(r.out, "the program is running; close it first")) << r.out;
  EXPECT_TRUE(has(r.out, "2 of 3 profiles have the module.")) << r.out;
  EXPECT_FALSE(std::ifstream(dirs["Firefox"] + "/pkcs11.txt").good());  // untouched
  ::unlink(lock.c_str());
  // A profile kept outside the Firefox directory (IsRelative=0), and an [Install...] section that is no profile.
  std::string elsewhere = temp_dir() + "/elsewhere-profile";
  ::mkdir(elsewhere.c_str(), 0700);
  std::string ini = dirs["Firefox"].substr(0, dirs["Firefox"].rfind('/')) + "/profiles.ini";
  std::ofstream(ini, std::ios::app) << "\n[Install4F96D1932A9F858E]\nDefault=nowhere\n\n[Profile7]\nName=elsewhere\n"
                                       "IsRelative=0\nPath=" << elsewhere << "\n";
  EXPECT_EQ(setup("").rc, 0);
  auto listed = setup("--check");
  EXPECT_EQ(listed.rc, 0) << listed.out;
  EXPECT_TRUE(has(listed.out, "Firefox [elsewhere] " + elsewhere + ": registered")) << listed.out;
  EXPECT_TRUE(has(listed.out, "4 of 4 profiles have the module.")) << listed.out;
  EXPECT_FALSE(has(listed.out, "nowhere")) << listed.out;
  auto missing = run_command("HOME=" + home_ + " LANG=C " + kAkis + " setup --module /no/such/module.so", r.out);
  EXPECT_EQ(missing, 12);
  EXPECT_TRUE(has(r.out, "module was not found: /no/such/module.so")) << r.out;
}

// The SunPKCS11 configuration printed in the user guide, as it stands, opens the card in Java's keytool; the
// aliases show the UTF-8 labels decoded as ISO-8859-1, as the guide says.
TEST_F(AkisCli, GuideJavaConfigurationOpensTheCard) {
#ifdef AKIS_SANITIZED
  GTEST_SKIP() << "the JVM cannot run with a preloaded ASan runtime; the normal build runs this test";
#endif
  insert(Variant::Post2011);
  std::ifstream guide(std::string(AKIS_SOURCE_DIR) + "/docs/user-guide.md");
  std::string text((std::istreambuf_iterator<char>(guide)), {});
  auto start = text.find("# SunPKCS11 configuration");
  ASSERT_NE(start, std::string::npos);
  std::string cfg = text.substr(start, text.find("```", start) - start);
  const std::string installed = "/usr/lib/x86_64-linux-gnu/pkcs11/akis-pkcs11.so";
  ASSERT_NE(cfg.find("library = " + installed), std::string::npos) << cfg;
  cfg.replace(cfg.find(installed), installed.size(), AKIS_MODULE_PATH);
  std::string path = temp_dir() + "/java-pkcs11.cfg";
  std::ofstream(path) << cfg;
  std::string out;
  int rc = run_command("keytool -list -keystore NONE -storetype PKCS11 -addprovider SunPKCS11 -providerArg " + path +
                           " -storepass 123456",
                       out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_TRUE(has(out, "PrivateKeyEntry")) << out;
  EXPECT_TRUE(has(out, "Nitelikli \xC3\x84\xC2\xB0mza")) << out;  // "İ" (C4 B0) shown as "Ä°"
}

}  // namespace
