// SPDX-License-Identifier: LGPL-2.1-or-later
// The `akis` message catalogue and certificate summaries.
#include <gtest/gtest.h>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "cards.hpp"
#include "cert_summary.hpp"
#include "cli.hpp"
#include "messages.hpp"

using namespace akis;
using namespace akis::cli;

TEST(Catalogue, EveryMessageInBothLanguagesWithTheSamePlaceholders) {
  std::string problem;
  EXPECT_TRUE(catalogue_is_consistent(&problem)) << problem;
}

TEST(Catalogue, FormatsArgumentsInOrder) {
  EXPECT_EQ(msg(M::TriesLeft, 2, 3), turkish() ? "Kalan deneme hakkı: 2 (en çok 3)" : "2 of 3 tries left");
  EXPECT_EQ(msg(M::ErrPinPolicy, 6, 12).find(turkish() ? "6–12 haneli" : "6 to 12 digits") != std::string::npos, true);
}

TEST(CertSummary, PersonalAndSealCertificates) {
  auto personal = test::card_state(test::Variant::Pre2011);
  auto seal = test::card_state(test::Variant::Seal);
  auto first_cert = [](const vcard::CardState& s) {
    for (auto& f : s.files)
      if (f.path.size() == 6 && f.path[4] == 0x2F && f.path[5] == 0x10) return f.data;
    return Bytes{};
  };
  CertSummary p = summarise_certificate(first_cert(personal));
  EXPECT_EQ(p.holder, "AYŞE GÜL YILDIRIM");
  EXPECT_EQ(p.national_id, "10000000146");
  EXPECT_EQ(p.kind, CertKind::Qualified);
  EXPECT_EQ(p.key_type, "RSA");
  EXPECT_EQ(p.key_bits, 2048);
  ASSERT_EQ(p.key_usage.size(), 1u);
  EXPECT_EQ(p.key_usage[0], "nonRepudiation");
  CertSummary s = summarise_certificate(first_cert(seal));
  EXPECT_EQ(s.kind, CertKind::Seal);
  EXPECT_EQ(s.organization, "ÖRNEK BİLİŞİM ANONİM ŞİRKETİ");
  EXPECT_EQ(s.national_id, "1234567890");
  EXPECT_GT(s.not_after, s.not_before);
  EXPECT_THROW(summarise_certificate(from_hex("3003020101")), std::runtime_error);
}

// The unlock client's errors and the key usages are words, never library or OpenSSL names.
TEST(Catalogue, NetworkErrorsAndKeyUsagesInWords) {
  using httplib::Error;
  auto num = [](Error e) { return static_cast<int>(e); };
  for (int e = 0; e <= num(Error::ConnectionTimeout) + 1; ++e) {
    std::string t = http_error_text(e);
    EXPECT_FALSE(t.empty());
    EXPECT_EQ(t.find("SSL"), std::string::npos) << t;
  }
  EXPECT_EQ(http_error_text(num(Error::SSLServerVerification)), text(M::NetUntrusted));
  EXPECT_EQ(http_error_text(num(Error::SSLLoadingCerts)), text(M::NetCaFile));
  EXPECT_EQ(http_error_text(num(Error::Connection)), text(M::NetConnection));
  EXPECT_EQ(http_error_text(num(Error::ConnectionTimeout)), text(M::NetTimeout));
  EXPECT_EQ(http_error_text(num(Error::Unknown)), text(M::NetUnknown));
  EXPECT_EQ(key_usage_text("nonRepudiation"), text(M::KuNonRepudiation));
  EXPECT_EQ(key_usage_text("cRLSign"), text(M::KuCrlSign));
  EXPECT_EQ(key_usage_text("somethingNew"), "somethingNew");
}

TEST(CertSummary, DaysUntil) {
  EXPECT_EQ(days_until(86400 * 10, 0), 10);
  EXPECT_EQ(days_until(0, 86400 * 3), -3);
  EXPECT_EQ(days_until(100, 0), 0);
  EXPECT_EQ(iso_date(0), "1970-01-01");
}

TEST(JsonOutput, TextThatIsNotUtf8ComesOutReplaced) {
  nlohmann::json j{{"label", std::string("ab\xFF\xC3(cd")}, {"ok", "İmza"}};
  std::string text = json_text(j);
  auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["label"], "ab\xEF\xBF\xBD\xEF\xBF\xBD(cd");
  EXPECT_EQ(back["ok"], "İmza");
}
