// SPDX-License-Identifier: LGPL-2.1-or-later
// See card_service.hpp. The flows follow `akis pin change` / `akis pin unblock` (tools/akis/cmd_pin.cpp) step by
// step with the same catalogue messages; the card is opened by akis's own selection (cli::open_card).
#include "card_service.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "akis/error.hpp"
#include "cli.hpp"

namespace akis::gui {

using cli::M;
using cli::msg;

namespace {
cli::OpenedCard open(const std::string& reader) {
  cli::Options o;
  o.reader = reader;
  return cli::open_card(o);
}

bool same(const Secret& a, const Secret& b) {
  return a.size() == b.size() && std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin());
}

std::string hint(const CardProfile& p) { return cli::unblock_hint(p); }

// A wrong PIN/PUK from the card in `akis pin`'s words (cli::wrong_secret), as the dialog's outcome.
Outcome wrong(const CardError& e, M many, M one, M no_count, const std::string& blocked) {
  try {
    cli::wrong_secret(e, many, one, no_count, blocked);
  } catch (const cli::Failure& f) {
    if (f.code == cli::kBlocked) return {Outcome::Blocked, f.what(), 0};
    return {Outcome::Wrong, f.what(), e.tries_left() > 0 ? e.tries_left() : -1};
  }
}

template <class F>
Outcome guarded(F&& f) {
  try {
    try {
      return f();
    } catch (const CardError& e) {
      cli::fail_with(e);
    }
  } catch (const cli::Failure& failure) {
    return {failure.code == cli::kBlocked ? Outcome::Blocked : Outcome::Refused, failure.what(), -1};
  }
}
}  // namespace

std::string pin_status_text(const PinStatus& st) {
  if (st.blocked) return msg(M::Blocked);
  if (st.verified) return msg(M::Verified);
  if (st.unknown) return msg(M::TriesUnknown);
  return msg(M::TriesLeft, st.tries_left, kMaxTries);
}

CardReport read_report(const std::string& reader) {
  auto opened = open(reader);
  Card& card = *opened.card;
  CardReport r;
  try {
    const CardProfile& p = card.profile();
    r.reader = card.reader();
    r.serial = to_hex(p.card_serial);
    r.family = cli::family_name(p.atr);
    r.pin = *p.user_pin();
    r.pin_status = card.pin_status(r.pin);
    if (p.puk()) {
      r.puk = *p.puk();
      r.puk_status = card.pin_status(*r.puk);
    }
    const std::time_t now = std::time(nullptr);
    for (auto& c : p.certificates) {
      CertRow row;
      row.label = c.label;
      row.der = card.certificate(c);
      row.summary = cli::summarise_certificate(row.der);
      const cli::ValidityReport v = cli::certificate_validity(row.summary, now);
      row.days_left = v.days_left;
      row.status = v.warning;
      row.warn = !row.status.empty();
      if (r.holder.empty() && !row.summary.national_id.empty()) {
        r.holder = row.summary.holder;
        r.national_id = row.summary.national_id;
        r.seal = row.summary.kind == cli::CertKind::Seal;
      }
      r.certs.push_back(std::move(row));
    }
  } catch (const CardError& e) {
    cli::fail_with(e);
  }
  return r;
}

std::string check_new_pin(const PinInfo& pin, const Secret& new_pin, const Secret& again) {
  if (pin_format(pin, new_pin) != PinFormat::Ok) return msg(M::ErrPinPolicy, pin.min_length, pin.max_length);
  if (!same(new_pin, again)) return msg(M::ErrPinMismatch);
  return {};
}

std::string check_change(const PinInfo& pin, const Secret& old_pin, const Secret& new_pin, const Secret& again) {
  if (std::string problem = check_new_pin(pin, new_pin, again); !problem.empty()) return problem;
  if (pin_format(pin, old_pin) != PinFormat::Ok) return msg(M::ErrPinPolicy, pin.min_length, pin.max_length);
  return {};
}

std::string check_unblock(const PinInfo& pin, const PinInfo& puk, const Secret& puk_value, const Secret& new_pin,
                          const Secret& again) {
  if (pin_format(puk, puk_value) != PinFormat::Ok) return msg(M::ErrPukPolicy, puk.min_length, puk.max_length);
  return check_new_pin(pin, new_pin, again);
}

Outcome change_pin(const std::string& reader, const Secret& old_pin, const Secret& new_pin, bool confirmed) {
  return guarded([&]() -> Outcome {
    auto opened = open(reader);
    Card& card = *opened.card;
    const CardProfile& p = card.profile();
    const PinInfo& pin = *p.user_pin();
    PinStatus st = card.pin_status(pin);
    if (st.blocked) return {Outcome::Blocked, msg(M::PinIsBlocked) + "\n" + hint(p), 0};
    if (st.tries_left == 1 && !confirmed)
      return {Outcome::NeedsConfirm, msg(M::LastTryWarning) + "\n" + msg(M::LastTryQuestion), 1};
    try {
      card.change_pin(pin, old_pin, new_pin);
    } catch (const CardError& e) {
      return wrong(e, M::WrongPin, M::WrongPinOne, M::WrongPinNoCount, msg(M::PinNowBlocked) + "\n" + hint(p));
    }
    return {Outcome::Done, msg(M::PinChanged), -1};
  });
}

Outcome unblock_pin(const std::string& reader, const Secret& puk_value, const Secret& new_pin, bool confirmed) {
  return guarded([&]() -> Outcome {
    auto opened = open(reader);
    Card& card = *opened.card;
    const CardProfile& p = card.profile();
    if (!p.puk()) return {Outcome::Refused, msg(M::NoPukOnCard) + "\n" + msg(M::HintUnblockOnline), -1};
    PinStatus st = card.pin_status(*p.puk());
    if (st.blocked) return {Outcome::Blocked, msg(M::PukBlocked), 0};
    if (st.tries_left == 1 && !confirmed)
      return {Outcome::NeedsConfirm, msg(M::LastPukWarning) + "\n" + msg(M::LastPukQuestion), 1};
    try {
      card.unblock_with_puk(*p.user_pin(), puk_value, new_pin);
    } catch (const CardError& e) {
      return wrong(e, M::WrongPuk, M::WrongPukOne, M::WrongPukNoCount, msg(M::PukBlocked));
    }
    return {Outcome::Done, msg(M::Unblocked), -1};
  });
}

std::string export_certificate(const Bytes& der, const std::string& path) {
  const bool pem = path.ends_with(".pem") || path.ends_with(".crt");
  std::string data = pem ? cli::to_pem(der) : std::string(der.begin(), der.end());
  try {
    cli::write_file(path, data);
    return {};
  } catch (const cli::Failure& f) {
    return f.what();
  }
}

std::string certificate_details(const CertRow& c) {
  const auto& s = c.summary;
  std::string out;
  auto line = [&](M label, const std::string& value) {
    if (!value.empty()) out += msg(label) + ": " + value + "\n";
  };
  line(M::LblCertificate, c.label);
  line(M::LblHolder, s.holder);
  if (s.organization != s.holder) line(M::LblOrganization, s.organization);
  line(s.kind == cli::CertKind::Seal ? M::LblTaxNo : M::LblTcNo, s.national_id);
  line(M::LblKind, msg(s.kind == cli::CertKind::Qualified ? M::KindQualified
                       : s.kind == cli::CertKind::Seal    ? M::KindSeal
                                                          : M::KindOther));
  line(M::LblIssuer, s.issuer);
  line(M::LblSerial, s.serial);
  line(M::LblKey, s.key_type + " " + std::to_string(s.key_bits));
  std::string usage;
  for (auto& u : s.key_usage) usage += (usage.empty() ? "" : ", ") + cli::key_usage_text(u);
  line(M::LblKeyUsage, usage);
  line(M::LblValid, cli::iso_date(s.not_before) + " - " + cli::iso_date(s.not_after) + " (" +
                        msg(M::DaysLeft, std::max(0L, c.days_left)) + ")");
  if (!c.status.empty()) out += c.status + "\n";
  return out;
}

}  // namespace akis::gui
