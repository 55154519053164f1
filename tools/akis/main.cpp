// SPDX-License-Identifier: LGPL-2.1-or-later
// akis: the card monitor for AKİS e-signature cards (readers, card and certificate information,
// certificate export, PIN change, PUK unblock, online unlock). Messages in Turkish or English (LANG).
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "akis/trace.hpp"
#include "cli.hpp"
#include "cli_app.hpp"
#include "cmd_eonay.hpp"
#include "cmd_sign.hpp"
#include "unlock_flow.hpp"

using namespace akis::cli;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  akis::trace::configure_from_env();
  CLI::App app{"akis: AKİS e-signature card tool", "akis"};
  app.require_subcommand(1);
  Options o;
  app.add_option("--reader,-r", o.reader, "card reader (name or part of it)");
  app.add_option("--pin-fd", o.pin_fd, "read PIN/PUK values from this file descriptor, one per line");
  app.add_flag("--yes", o.yes, "confirm the use of a last PIN/PUK try without asking");

  auto* readers = app.add_subcommand("readers", "list the card readers and their cards");
  readers->alias("list");
  readers->add_flag("--json", o.json, "machine-readable output");
  auto* info = app.add_subcommand("info", "card, PIN and certificate information");
  info->add_flag("--json", o.json, "machine-readable output");

  auto* cert = app.add_subcommand("cert", "certificates");
  cert->require_subcommand(1);
  int index = 1;
  std::string format = "pem", out;
  auto* exp = cert->add_subcommand("export", "write a certificate (PEM or DER)");
  exp->add_option("--index,-i", index, "certificate number as `akis info` shows it")->check(CLI::Validator(
      [](std::string& v) { return std::atoi(v.c_str()) >= 1 ? std::string() : msg(M::ErrCertIndex, v); }, "NUMBER"));
  exp->add_option("--format,-f", format, "pem or der")->check(CLI::IsMember({"pem", "der"}));
  exp->add_option("--out,-o", out, "output file (default: standard output)");

  auto* pin = app.add_subcommand("pin", "PIN management");
  pin->require_subcommand(1);
  auto* change = pin->add_subcommand("change", "change the PIN");
  auto* unblock = pin->add_subcommand("unblock", "unblock the PIN with the PUK (cards made before 2011)");

  std::string service = kDefaultUnlockService, ca_file;
  auto* unlock = app.add_subcommand("unlock", "unblock the PIN online with a verification code (cards after 2011)");
  unlock->add_option("--service", service, "unlock service URL");
  unlock->add_option("--ca-file", ca_file, "CA certificate that signed the service's TLS certificate");

  std::string report, record;
  auto* probe = app.add_subcommand("probe", "read-only diagnostics of any card: a report safe to publish");
  probe->add_option("--report", report, "write the report (JSON, no personal data) to this file");
  probe->add_option("--record", record, "write the raw session (private: holds your certificates) to this file");
  std::vector<std::string> sanitise;
  probe->add_option("--sanitise", sanitise, "IN OUT: make a recording safe to publish (no card needed)")->expected(2);
  probe->add_option("--reader,-r", o.reader, "card reader (name or part of it; default: the first with a card)");
  probe->add_flag("--json", o.json, "machine-readable output");

  SetupOptions setup_opts;
  auto* setup = app.add_subcommand("setup", "register the card's module in Firefox, Thunderbird and Chromium");
  setup->add_flag("--remove", setup_opts.remove, "remove the registration");
  setup->add_flag("--check", setup_opts.check, "only report where the module is registered");
  setup->add_option("--module", setup_opts.module, "PKCS#11 module to register");
  setup->add_flag("--json", o.json, "machine-readable output");

  SignCommands sign_cmds;
  add_sign_commands(app, o, sign_cmds);
  EonayCommand eonay_cmd;
  add_eonay_command(app, o, eonay_cmd);

  localise(app);
  if (auto rc = parse_command_line(app, argc, argv)) return *rc;
  try {
    if (*readers) return cmd_readers(o);
    if (*info) return cmd_info(o);
    if (*exp) return cmd_cert_export(o, index, format, out);
    if (*change) return cmd_pin_change(o);
    if (*unblock) return cmd_pin_unblock(o);
    if (*unlock) return cmd_unlock(o, service, ca_file);
    if (*probe) return sanitise.empty() ? cmd_probe(o, report, record) : cmd_probe_sanitise(sanitise[0], sanitise[1]);
    if (*setup) return cmd_setup(o, setup_opts);
    if (auto rc = run_sign_commands(o, sign_cmds)) return *rc;
    if (auto rc = run_eonay_command(o, eonay_cmd)) return *rc;
  } catch (const Failure& f) {
    return report_failure(o, f.code, f.what());
  } catch (const std::exception& e) {
    return report_failure(o, kCardError, msg(M::ErrCard, e.what()));
  }
  return kUsage;
}
