// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared pieces of the `akis` commands.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "akis/card.hpp"
#include "akis/pcsc.hpp"
#include "exit_codes.hpp"
#include "messages.hpp"
#include "secret_input.hpp"

namespace akis::cli {

struct Options {
  std::string reader;      // --reader: exact name or a part of it
  bool json = false;       // --json
  int pin_fd = -1;         // --pin-fd
  bool yes = false;        // --yes: confirm the last try without asking
};

// Ends the command with an exit code and a message (already in the user's language).
struct Failure : std::runtime_error {
  Failure(int c, const std::string& m) : std::runtime_error(m), code(c) {}
  int code;
};

// Turns a card-layer error into the user's message and exit code.
[[noreturn]] void fail_with(const CardError& e);
// A wrong PIN/PUK from the card: tries left (`wrong`, `wrong_one` for the last), tries not given (63 00:
// `wrong_no_count`), or blocked now (`blocked_message`); throws Failure with kWrongPin or kBlocked, or `e`
// itself for any other error. `akis pin` and akis-gui's dialogs share it.
[[noreturn]] void wrong_secret(const CardError& e, M wrong, M wrong_one, M wrong_no_count,
                               const std::string& blocked_message);
// Writes `data` to `path` whole or not at all (a temporary file renamed into place); on failure throws
// Failure(kUsage, "Cannot write PATH: reason"). Every file akis and akis-gui write goes through it.
void write_file(const std::string& path, std::string_view data);
// What to do next when the PIN is blocked, for this card (PUK or online unlock).
std::string unblock_hint(const CardProfile& p);

struct OpenedCard {
  std::shared_ptr<pcsc::Context> ctx;
  std::unique_ptr<Card> card;
};
// The card in --reader, or the first reader that holds an AKİS e-signature card.
OpenedCard open_card(const Options& o);
std::string family_name(const AtrInfo& a);
// The text of --json output. Card data that is not UTF-8 (a label, a reader name) comes out with U+FFFD in
// place of each invalid sequence: the JSON writer would otherwise throw and the command fail.
std::string json_text(const nlohmann::json& j);

int cmd_readers(const Options& o);
int cmd_info(const Options& o);
int cmd_cert_export(const Options& o, int index, const std::string& format, const std::string& out);
int cmd_pin_change(const Options& o);
int cmd_pin_unblock(const Options& o);
int cmd_unlock(const Options& o, const std::string& service_url, const std::string& ca_file);
int cmd_probe(const Options& o, const std::string& report, const std::string& record);
// `akis probe --sanitise IN OUT`: a recording (or personal trace) made safe to publish (akis/sanitise.hpp).
int cmd_probe_sanitise(const std::string& in, const std::string& out);
struct SetupOptions {
  bool remove = false;  // --remove
  bool check = false;   // --check
  std::string module;   // --module (default: the installed module)
};
int cmd_setup(const Options& o, const SetupOptions& s);

// Reads a new PIN twice and checks the card's policy before anything reaches the card.
Secret read_new_pin(SecretInput& in, const PinInfo& pin);
Secret read_secret(SecretInput& in, M prompt, const char* env, const char* what);

}  // namespace akis::cli
