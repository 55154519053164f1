// SPDX-License-Identifier: LGPL-2.1-or-later
// Read-only commands: readers, info, cert export.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "akis/error.hpp"
#include "cert_summary.hpp"
#include "cli.hpp"

namespace akis::cli {

using nlohmann::json;

std::string json_text(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

int cmd_readers(const Options& o) {
  json out = json::array();
  try {
    auto ctx = std::make_shared<pcsc::Context>();
    auto states = ctx->states();
    if (states.empty()) {  // the same exit code with and without --json (scripts test it)
      std::cout << (o.json ? std::string("[]") : msg(M::NoReaders)) << "\n";
      return kNoReader;
    }
    for (auto& st : states) {
      json r{{"reader", st.name}, {"card_present", st.present}};
      std::string line;
      if (!st.present) {
        line = msg(M::ReaderEmpty);
      } else if (st.mute) {
        line = msg(M::ReaderMute);
        r["esign"] = false;
      } else {
        AtrInfo a = classify_atr(st.atr);
        r["atr"] = to_hex(st.atr);
        r["family"] = a.family == AtrFamily::Unknown ? json(nullptr) : json(to_string(a.family));
        r["version"] = a.version;
        try {
          Card card(std::make_unique<pcsc::PcscTransport>(ctx, st.name));
          auto [esign, serial] = card.locked([](AkisCommands& c) {
            bool e = has_esign_application(c);
            return std::make_pair(e, e ? c.serial_number() : Bytes{});
          });
          r["esign"] = esign;
          if (esign) {
            r["serial"] = to_hex(serial);
            line = msg(M::ReaderAkis, family_name(a), to_hex(serial));
          } else {
            line = msg(M::ReaderUnknown);
          }
        } catch (const CardError& e) {
          if (e.code() == Err::NoService) throw;
          r["esign"] = false;
          r["error"] = e.what();
          line = e.code() == Err::CardRemoved || e.code() == Err::NoCard ? msg(M::ReaderEmpty) : msg(M::ReaderUnknown);
        }
      }
      out.push_back(r);
      if (!o.json) std::cout << st.name << ": " << line << "\n";
    }
  } catch (const CardError& e) {
    fail_with(e);
  }
  if (o.json) std::cout << json_text(out) << "\n";
  return kOk;
}

namespace {

std::string kind_text(CertKind k) {
  return msg(k == CertKind::Qualified ? M::KindQualified : k == CertKind::Seal ? M::KindSeal : M::KindOther);
}

json pin_json(const PinStatus& st, int max) {
  json tries = st.unknown ? json(nullptr) : json(st.tries_left);  // null: the card cannot tell without risk
  return {{"tries_left", tries}, {"max_tries", max}, {"blocked", st.blocked}, {"verified", st.verified}};
}
std::string pin_text(const PinStatus& st, int max) {
  if (st.blocked) return msg(M::Blocked);
  if (st.verified) return msg(M::Verified);
  if (st.unknown) return msg(M::TriesUnknown);
  return msg(M::TriesLeft, st.tries_left, max);
}

}  // namespace

int cmd_info(const Options& o) {
  auto opened = open_card(o);
  Card& card = *opened.card;
  try {
    const CardProfile& p = card.profile();
    const PinStatus user = card.pin_status(*p.user_pin());
    std::optional<PinStatus> puk;
    if (p.puk()) puk = card.pin_status(*p.puk());
    const std::time_t now = std::time(nullptr);
    // AKİS cards lock after 3 wrong entries (CARD.md); the card does not report the maximum.
    constexpr int kMaxTries = 3;

    json j{{"reader", card.reader()},
           {"serial", to_hex(p.card_serial)},
           {"atr", to_hex(card.atr())},
           {"family", to_string(p.atr.family)},
           {"version", p.atr.version},
           {"life_cycle", p.life_cycle == LifeCycle::User ? "user" : p.life_cycle == LifeCycle::Admin ? "admin" : "other"},
           {"pin", pin_json(user, kMaxTries)},
           {"unblock", puk ? "puk" : "online"}};
    if (puk) j["puk"] = pin_json(*puk, kMaxTries);

    std::ostringstream text;
    auto line = [&](M label, const std::string& value) { text << "  " << msg(label) << ": " << value << "\n"; };
    text << msg(M::LblReader) << ": " << card.reader() << "\n";
    line(M::LblCardSerial, to_hex(p.card_serial));
    line(M::LblCardType, family_name(p.atr));
    line(M::LblLifeCycle, msg(p.life_cycle == LifeCycle::User    ? M::LifeUser
                              : p.life_cycle == LifeCycle::Admin ? M::LifeAdmin
                                                                 : M::LifeOther));
    line(M::LblPin, pin_text(user, kMaxTries));
    if (puk) line(M::LblPuk, pin_text(*puk, kMaxTries));
    line(M::LblUnblock, msg(puk ? M::UnblockPuk : M::UnblockOnline));

    j["certificates"] = json::array();
    int index = 0;
    if (p.certificates.empty()) text << msg(M::NoCertificates) << "\n";
    for (auto& c : p.certificates) {
      ++index;
      CertSummary s = summarise_certificate(card.certificate(c));
      const ValidityReport v = certificate_validity(s, now);
      json jc{{"index", index},        {"label", c.label},           {"id", to_hex(c.id)},
              {"holder", s.holder},    {"organization", s.organization}, {"national_id", s.national_id},
              {"issuer", s.issuer},    {"serial", s.serial},         {"key_type", s.key_type},
              {"key_bits", s.key_bits}, {"key_usage", s.key_usage},  {"kind", kind_json(s.kind)},
              {"not_before", iso_date(s.not_before)}, {"not_after", iso_date(s.not_after)},
              {"days_left", v.days_left}, {"status", validity_json(v.validity)}};
      const std::string& warning = v.warning;
      j["certificates"].push_back(jc);

      text << msg(M::LblCertificate) << " " << index << ": " << c.label << "\n";
      line(M::LblHolder, s.holder);
      if (!s.organization.empty() && s.organization != s.holder) line(M::LblOrganization, s.organization);
      if (!s.national_id.empty()) line(s.kind == CertKind::Seal ? M::LblTaxNo : M::LblTcNo, s.national_id);
      line(M::LblKind, kind_text(s.kind));
      line(M::LblIssuer, s.issuer);
      line(M::LblSerial, s.serial);
      line(M::LblKey, s.key_type + " " + std::to_string(s.key_bits));
      std::string usage;
      for (auto& u : s.key_usage) usage += (usage.empty() ? "" : ", ") + key_usage_text(u);
      line(M::LblKeyUsage, usage);
      line(M::LblValid, iso_date(s.not_before) + " - " + iso_date(s.not_after) + " (" +
                            msg(M::DaysLeft, std::max(0L, v.days_left)) + ")");
      if (!warning.empty()) text << "  " << warning << "\n";
    }
    std::cout << (o.json ? json_text(j) + "\n" : text.str());
  } catch (const CardError& e) {
    fail_with(e);
  }
  return kOk;
}

int cmd_cert_export(const Options& o, int index, const std::string& format, const std::string& out) {
  auto opened = open_card(o);
  try {
    const auto& certs = opened.card->profile().certificates;
    if (index < 1 || static_cast<std::size_t>(index) > certs.size())
      throw Failure(kUsage, msg(M::ErrNoSuchCert, index));
    const Bytes& der = opened.card->certificate(certs[static_cast<std::size_t>(index - 1)]);
    std::string data = format == "der" ? std::string(der.begin(), der.end()) : to_pem(der);
    if (out.empty() || out == "-") {
      std::cout << data << std::flush;
      return kOk;
    }
    write_file(out, data);
    std::cerr << msg(M::Exported, out) << "\n";
  } catch (const CardError& e) {
    fail_with(e);
  }
  return kOk;
}

}  // namespace akis::cli
