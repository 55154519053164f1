// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's configuration: parsed once into a value (pkcs11/log.hpp Settings).
#include <gtest/gtest.h>

#include <sstream>

#include "log.hpp"

using namespace akis::p11;

TEST(Settings, FileValuesBecomeOneValue) {
  std::istringstream in(
      "# comment\nlog_level = debug\nlog_file = /tmp/x.log # trailing\napdu_trace = stderr\n"
      "apdu_trace_personal = yes\nallow_certificate_writes = yes\nallow_certificate_writes = no\n");
  log::Settings s = log::settings_from(log::parse_config(in), false);
  EXPECT_EQ(s.level, log::Level::Debug);
  EXPECT_EQ(s.log_file, "/tmp/x.log");
  EXPECT_EQ(s.apdu_trace, "stderr");
  EXPECT_TRUE(s.apdu_trace_personal);
  EXPECT_FALSE(s.allow_card_writes);  // the last value of a key wins
}

TEST(Settings, DefaultsAreOffAndTheEnvironmentWins) {
  log::Settings d = log::settings_from({}, false);
  EXPECT_EQ(d.level, log::Level::Off);
  EXPECT_TRUE(d.apdu_trace.empty());
  EXPECT_FALSE(d.allow_card_writes);
  ::setenv("AKIS_PKCS11_LOG", "error", 1);
  log::Settings e = log::settings_from({{"log_level", "debug"}, {"allow_certificate_writes", "true"}}, true);
  ::unsetenv("AKIS_PKCS11_LOG");
  EXPECT_EQ(e.level, log::Level::Error);
  EXPECT_TRUE(e.allow_card_writes);
}

TEST(Settings, CardWritesUnderTheNewNameOrTheOld) {
  EXPECT_TRUE(log::settings_from({{"allow_card_writes", "yes"}}, false).allow_card_writes);
  EXPECT_TRUE(log::settings_from({{"allow_certificate_writes", "yes"}}, false).allow_card_writes);  // the alias
  // The new name wins when both are given.
  EXPECT_FALSE(log::settings_from({{"allow_card_writes", "no"}, {"allow_certificate_writes", "yes"}}, false)
                   .allow_card_writes);
}

TEST(Settings, PublicCacheFromFileAndEnvironment) {
  EXPECT_TRUE(log::settings_from({}, false).public_cache);  // on by default
  EXPECT_TRUE(log::settings_from({{"public_cache", "yes"}}, false).public_cache);
  EXPECT_FALSE(log::settings_from({{"public_cache", "no"}}, false).public_cache);
  ::setenv("AKIS_PKCS11_PUBLIC_CACHE", "no", 1);
  EXPECT_FALSE(log::settings_from({{"public_cache", "yes"}}, true).public_cache);
  EXPECT_FALSE(log::settings_from({}, true).public_cache);
  ::setenv("AKIS_PKCS11_PUBLIC_CACHE", "yes", 1);
  EXPECT_TRUE(log::settings_from({{"public_cache", "no"}}, true).public_cache);
  ::unsetenv("AKIS_PKCS11_PUBLIC_CACHE");
}

TEST(Settings, RecordingSwitchesThePublicCacheOff) {
  // What the cache serves never reaches the card, so it would be missing from the recording.
  EXPECT_FALSE(log::settings_from({{"public_cache", "yes"}, {"apdu_record", "/tmp/x.rec"}}, false).public_cache);
  EXPECT_TRUE(log::settings_from({{"public_cache", "yes"}, {"apdu_record", ""}}, false).public_cache);
}
