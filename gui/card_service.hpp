// SPDX-License-Identifier: LGPL-2.1-or-later
// The card work of the desktop application, on the akis command's own library (akis_cli: card selection,
// certificate summary, message catalogue) and the card library: no rule of its own. Every function here
// talks to the card and blocks, so the window calls them off the UI thread (main_window.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "akis/card.hpp"
#include "cert_summary.hpp"

namespace akis::gui {

struct CertRow {
  std::string label;
  cli::CertSummary summary;
  long days_left = 0;
  std::string status;  // the akis catalogue's warning (expires soon, expired, not yet valid) or empty
  bool warn = false;   // fewer than kWarnDays left, expired or not yet valid
  Bytes der;
};

struct CardReport {
  std::string reader, serial, family;
  std::string holder, national_id;  // from the first certificate that names them
  bool seal = false;                // national_id is a tax number (Mali Mühür)
  PinInfo pin;
  std::optional<PinInfo> puk;       // pre-2011 cards; otherwise unblocked online by the issuer
  PinStatus pin_status;
  std::optional<PinStatus> puk_status;
  std::vector<CertRow> certs;
};

using cli::kWarnDays;  // "fewer than 30 days left": the rule is cli::certificate_validity
constexpr int kMaxTries = 3;        // AKİS cards lock after 3 wrong entries (CARD.md)

// Throws cli::Failure with the user's message (no reader, no card, unknown card, ...).
CardReport read_report(const std::string& reader);

// PIN/PUK status in the akis catalogue's words ("3 tries left (of 3)", "blocked", ...).
std::string pin_status_text(const PinStatus& st);

// The result of a PIN operation. NeedsConfirm: one try is left and the caller has not confirmed yet
// (nothing was sent to the card).
struct Outcome {
  enum Kind { Done, NeedsConfirm, Wrong, Blocked, Refused } kind = Refused;
  std::string message;
  int tries_left = -1;
};

// Checks made before the card, in akis's order and words; empty when the values may go to the card.
std::string check_new_pin(const PinInfo& pin, const Secret& new_pin, const Secret& again);  // policy, then repeat
std::string check_change(const PinInfo& pin, const Secret& old_pin, const Secret& new_pin, const Secret& again);
std::string check_unblock(const PinInfo& pin, const PinInfo& puk, const Secret& puk_value, const Secret& new_pin,
                          const Secret& again);

Outcome change_pin(const std::string& reader, const Secret& old_pin, const Secret& new_pin, bool confirmed);
Outcome unblock_pin(const std::string& reader, const Secret& puk, const Secret& new_pin, bool confirmed);

// Writes PEM (".pem"/".crt") or DER (anything else); the akis catalogue's error on failure, empty when done.
std::string export_certificate(const Bytes& der, const std::string& path);
// All fields of a certificate, one "label: value" per line, in the user's language.
std::string certificate_details(const CertRow& c);

}  // namespace akis::gui
