// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis probe`: read-only diagnostics of any card, as a report safe to publish (docs/field-evidence.md).
// Only commands that read are sent (allowed_command); the card's content is replaced by lengths and keyed hashes
// (akis/redact.hpp). Separate from the command line so tests run it against in-process cards.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "akis/recording.hpp"
#include "akis/transport.hpp"

namespace akis::cli {

// SELECT, READ BINARY, READ RECORD, GET RESPONSE, GET DATA, LIST FILES (80 18), and VERIFY without data (only
// where the family's row says it spends no try). Everything else is refused before it reaches the card.
bool allowed_command(ByteView apdu);

struct ProbeResult {
  nlohmann::json report;  // the published report: no personal data
  Recording recording;    // the raw session: the card's content, for the holder's own use or private sending
};
// Runs every discovery step and read of the card layer on `transport` (already connected).
ProbeResult run_probe(std::unique_ptr<Transport> transport);

// ISO/IEC 7816-3 reading of an ATR (protocols, historical bytes, TCK) and its place in the known-ATR list.
nlohmann::json describe_atr(ByteView atr);

// Human-readable summary of a report, in the user's language.
std::string probe_text(const nlohmann::json& report);

}  // namespace akis::cli
