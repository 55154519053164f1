// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-vcard: personalise and run virtual AKİS cards in pcscd's vpcd readers.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "card_state.hpp"
#include "personalise.hpp"
#include "quirks.hpp"
#include "vpcd_link.hpp"

namespace {
std::atomic<bool> g_stop{false};
std::atomic<bool> g_inserted{true};

void on_signal(int sig) {
  if (sig == SIGUSR1) g_inserted = false;       // pull the card out
  else if (sig == SIGUSR2) g_inserted = true;   // put it back
  else g_stop = true;
}

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  // Each handler runs with the others blocked. Otherwise a pull and a put-back that are both pending when the
  // process next runs (a loaded machine) are delivered together, the put-back's handler stacked on top of the
  // pull's and run first, so the pull wins and the card stays out for good.
  sigemptyset(&sa.sa_mask);
  const int handled[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2};
  for (int s : handled) sigaddset(&sa.sa_mask, s);
  for (int s : handled) sigaction(s, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}
}  // namespace

int main(int argc, char** argv) {
  using namespace akis::vcard;
  CLI::App app{"akis-vcard: a virtual AKİS smart card for pcscd's vpcd reader (vsmartcard)"};
  app.require_subcommand(1);

  PersonaliseOptions po;
  std::string out_path;
  auto* pers = app.add_subcommand("personalise", "create a card: keys on the card, certificates, PIN/PUK");
  pers->add_option("--out", out_path, "card state file to write")->required();
  pers->add_option("--family", po.family, "ATR family: 1.0, 1x or 2x")->check(CLI::IsMember({"1.0", "1x", "2x"}));
  pers->add_flag("--pre2011", po.pre2011, "card with a PUK (unblocked locally) instead of online unblock (1.0: always)");
  pers->add_flag("--seal", po.seal, "financial seal (Mali Mühür) for a company instead of a personal NES");
  pers->add_flag("--ec", po.ec_key, "add an ECDSA key pair (family 2x only)");
  pers->add_option("--ec-curve", po.ec_curve, "secp256r1 or secp384r1")->check(CLI::IsMember({"secp256r1", "secp384r1"}));
  pers->add_flag("--two-keys", po.second_rsa, "add a second RSA key pair (encryption)");
  pers->add_flag("--always-authenticate", po.always_authenticate, "signing key needs the PIN for every signature");
  pers->add_flag("!--esign-app", po.esign_app, "no e-signature application (an ID-card-like card)");
  pers->add_option("--holder", po.holder, "certificate holder name");
  pers->add_option("--national-id", po.national_id, "T.C. kimlik no (NES) or tax number (seal)");
  pers->add_option("--company", po.company, "company name for --seal");
  pers->add_option("--pin", po.pin, "initial PIN (6-12 digits)");
  pers->add_option("--puk", po.puk, "initial PUK for --pre2011");
  pers->add_option("--valid-from-days", po.valid_from_days, "certificate start, days from now (negative: past)");
  pers->add_option("--valid-days", po.valid_days, "certificate lifetime in days");
  pers->add_option("--ca-dir", po.ca_dir, "test CA directory (ca-cert.pem, ca-key.pem); created when missing");
  pers->add_option("--issuer-master", po.issuer_master_file, "issuer unblock master key file (hex); created when missing");
  pers->add_option("--serial", po.serial_hex, "card serial, 12 bytes hex");
  pers->add_option("--card-key", po.card_key_file, "this card's unblock key as `akis-unlockd card-key` writes it (with --serial)")
      ->excludes("--issuer-master");
  std::vector<std::string> quirk_names;
  for (auto& q : all_quirks()) quirk_names.push_back(q.name);
  pers->add_option("--quirk", po.quirks, "a real card's divergence to imitate (repeatable; see 'quirks')")
      ->check(CLI::IsMember(quirk_names));
  auto* list = app.add_subcommand("quirks", "list the quirks a card can be personalised with");

  std::string state_path;
  LinkOptions lo;
  CardOptions co;
  bool realistic = false;
  auto* run = app.add_subcommand("run", "insert the card into a vpcd reader (SIGUSR1 pulls it out, SIGUSR2 puts it back)");
  run->add_option("--state", state_path, "card state file")->required()->check(CLI::ExistingFile);
  run->add_option("--host", lo.host, "pcscd's vpcd host");
  run->add_option("--port", lo.port, "vpcd port: 35963 first reader, 35964 second");
  run->add_flag("--t0", co.t0, "behave like a T=0 card (61xx / 6Cxx)");
  run->add_flag("--realistic-timing", realistic, "simulate a real card's speed");
  run->add_option("--latency-command-ms", lo.latency.per_command_ms, "cost of each APDU");
  run->add_option("--latency-byte-us", lo.latency.per_byte_us, "cost of each byte moved");
  run->add_option("--latency-signature-ms", lo.latency.per_signature_ms, "cost of a private-key operation");
  run->add_option("--trace", lo.trace_path, "card-side APDU trace file (secrets redacted)");

  auto* show = app.add_subcommand("show", "print a card state summary (no secrets)");
  show->add_option("--state", state_path, "card state file")->required()->check(CLI::ExistingFile);

  CLI11_PARSE(app, argc, argv);

  try {
    if (*pers) {
      if (po.pin.size() < 6 || po.pin.size() > 12) throw std::runtime_error("PIN must have 6-12 digits");
      CardState s = personalise(po);
      save_atomically(s, out_path);
      std::cout << "card " << akis::to_hex(s.serial) << " written to " << out_path << "\n";
      return 0;
    }
    if (*run) {
      if (realistic) lo.latency = Latency::realistic();
      install_signals();
      remove_stale_temp(state_path);  // a save killed midway (kill -9) left it
      CardState state = load(state_path);
      bool has_ec = std::any_of(state.keys.begin(), state.keys.end(), [](const KeyObject& k) { return k.type == "ec"; });
      check_quirks(state.family, state.quirks, has_ec);  // a hand-edited state file with a typo fails here, clearly
      VirtualCard card(std::move(state), state_path, co);
      return run_vpcd(card, lo, g_stop, g_inserted);
    }
    if (*list) {
      for (auto& q : all_quirks())
        std::cout << q.name << (q.only_family ? std::string(" (family ") + q.only_family + " only)" : "")
                  << (q.needs_ec ? " (needs --ec)" : "") << ": " << q.meaning << "\n";
      return 0;
    }
    if (*show) {
      CardState s = load(state_path);
      std::cout << "family " << s.family << "\nATR " << akis::to_hex(s.atr, ' ') << "\nserial "
                << akis::to_hex(s.serial) << "\n";
      for (auto& p : s.pins)
        std::cout << "PIN " << std::hex << int(p.ref) << std::dec << ": " << p.tries_left << "/" << p.max_tries
                  << " tries" << (p.puk_ref ? ", PUK unblock" : p.unblock_key ? ", issuer unblock" : "") << "\n";
      for (auto& k : s.keys) std::cout << "key " << int(k.ref) << ": " << k.type << "\n";
      for (auto& q : s.quirks) std::cout << "quirk " << q << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "akis-vcard: %s\n", e.what());
    return 1;
  }
  return 0;
}
