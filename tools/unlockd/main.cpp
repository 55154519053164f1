// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-unlockd: the reference online unlock service and its admin commands.
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto.hpp"
#include "service.hpp"
#include "token.hpp"

#include <openssl/crypto.h>

using namespace akis;
using namespace akis::unlockd;

namespace {
Service* g_service = nullptr;
void on_signal(int) {
  if (g_service) g_service->stop();
}

std::string read_password() {
  if (const char* p = std::getenv("AKIS_UNLOCKD_PASSWORD"); p && *p) return p;
  std::string line;
  std::getline(std::cin, line);
  return line;
}

std::string serial_from_state(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str());
  return j.at("serial").get<std::string>();
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"akis-unlockd: online PIN unlock service for AKİS cards (reference implementation)"};
  app.require_subcommand(1);
  ServiceOptions so;
#ifdef AKIS_UNLOCKD_WEB_DIR
  if (std::filesystem::is_directory(AKIS_UNLOCKD_WEB_DIR)) so.web_dir = AKIS_UNLOCKD_WEB_DIR;  // the installed pages
#endif
  std::string data;

  auto* serve = app.add_subcommand("serve", "run the HTTPS service and the portal");
  serve->add_option("--data", so.data_dir, "data directory (database, keys, demo TLS certificate)")->required();
  serve->add_option("--database", so.database, "sqlite (default: unlock.db in --data) or a postgresql:// URI shared by several instances");
  serve->add_option("--host", so.host, "listen address");
  serve->add_option("--port", so.port, "listen port");
  serve->add_option("--cert", so.cert, "TLS certificate (PEM); default: a self-signed one made on first start");
  serve->add_option("--key", so.key, "TLS private key (PEM)");
  serve->add_option("--web-dir", so.web_dir, "portal pages")->check(CLI::ExistingDirectory);
  serve->add_option("--code-ttl", so.code_ttl, "seconds a verification code lives");
  serve->add_option("--max-failures-per-address", so.max_failures_per_address, "refused codes, and failed logins, per address prefix (IPv4 /24, IPv6 /64) per window");
  serve->add_option("--max-failures-per-card", so.max_failures_per_card, "refused codes naming one card, per address prefix");
  serve->add_option("--max-login-failures-per-user", so.max_login_failures_per_user, "failed logins per user name");
  serve->add_option("--max-codes-per-account", so.max_codes_per_account, "codes per account per window");
  serve->add_option("--window", so.window, "rate-limit window in seconds");
  serve->add_option("--eonay-ca", so.eonay_ca, "E-Onay: CA certificate file or directory signer certificates must chain to")
      ->check(CLI::ExistingPath);

  std::string username, name, serial, state, master, status, database;
  auto database_option = [&database](CLI::App* c) {
    c->add_option("--database", database, "sqlite (default) or a postgresql:// URI");
  };
  auto* add = app.add_subcommand("add-account", "create a portal account (password from AKIS_UNLOCKD_PASSWORD or stdin)");
  add->add_option("--data", data, "data directory")->required();
  add->add_option("--username", username)->required();
  add->add_option("--name", name, "display name")->required();
  std::string national_id;
  add->add_option("--national-id", national_id, "the holder's T.C. Kimlik No (11 digits; needed for E-Onay)")
      ->check([](const std::string& v) {
        return v.size() == 11 && v.find_first_not_of("0123456789") == std::string::npos ? "" : "11 digits";
      });
  database_option(add);

  bool force = false;
  auto* enrol = app.add_subcommand("enrol", "enrol a card for an account (its key stays in the issuer token)");
  enrol->add_option("--data", data, "data directory")->required();
  enrol->add_option("--username", username, "owner")->required();
  auto* ser = enrol->add_option("--serial", serial, "card serial (hex)");
  enrol->add_option("--card-state", state, "a virtual card's state file (the serial is read from it)")->excludes(ser);
  database_option(enrol);
  enrol->add_flag("--force", force, "re-enrol a revoked card or move a card from another account (audited)");

  auto* set = app.add_subcommand("set-status", "suspend, revoke or reactivate a card");
  set->add_option("--data", data, "data directory")->required();
  set->add_option("--serial", serial)->required();
  database_option(set);
  set->add_option("--status", status)->required()->check(CLI::IsMember({"active", "suspended", "revoked"}));

  auto token_options = [](CLI::App* c, TokenConfig& t) {
    c->add_option("--token-module", t.module, "PKCS#11 module of the issuer token");
    c->add_option("--token-label", t.label, "label of the issuer token");
    c->add_option("--token-pin-file", t.pin_file, "file with the token's user PIN (mode 0600); default: AKIS_UNLOCKD_TOKEN_PIN");
  };
  token_options(serve, so.token);
  TokenConfig token;
  auto* imp = app.add_subcommand("import-master", "import the issuer master key into the token, once (never exported)");
  imp->add_option("--issuer-master", master, "issuer master key file (64 hex digits, mode 0600)")->required()->check(CLI::ExistingFile);
  token_options(imp, token);

  std::string key_out;
  auto* ck = app.add_subcommand("card-key", "write one card's unblock key for its personalisation (file mode 0600)");
  ck->add_option("--serial", serial, "card serial (hex)")->required();
  ck->add_option("--out", key_out, "output file (must not exist)")->required();
  token_options(ck, token);

  CLI11_PARSE(app, argc, argv);
  ::umask(077);  // every file the service or its admin commands write is its owner's only
  try {
    if (*serve) {
      Service service(so);
      g_service = &service;
      std::signal(SIGTERM, on_signal);
      std::signal(SIGINT, on_signal);
      std::signal(SIGPIPE, SIG_IGN);
      std::cerr << "akis-unlockd: listening on https://" << so.host << ":" << so.port << "\n";
      if (!service.run()) {
        std::cerr << "akis-unlockd: cannot listen on " << so.host << ":" << so.port << "\n";
        return 1;
      }
      return 0;
    }
    if (*imp) {
      Bytes key = parse_master_key_file(master);
      IssuerToken t(token);
      t.import_master(key);
      OPENSSL_cleanse(key.data(), key.size());
      t.check_master();
      std::cout << "issuer master key imported into token " << token.label << "\n";
      return 0;
    }
    if (*ck) {
      if (std::filesystem::exists(key_out)) throw std::runtime_error(key_out + " exists");
      IssuerToken t(token);
      Bytes key = t.personalisation_key(from_hex(serial));
      std::ofstream(key_out) << to_hex(key) << "\n";  // umask 077: the owner's only
      OPENSSL_cleanse(key.data(), key.size());
      std::cout << "unblock key of card " << to_hex(from_hex(serial)) << " written to " << key_out << "\n";
      return 0;
    }
    secure_data_dir(data, true);
    auto store_ptr = open_store(data, database);
    Store& store = *store_ptr;
    if (*add) {
      std::string password = read_password();
      if (password.size() < 8) throw std::runtime_error("the password needs at least 8 characters");
      Bytes salt = random_bytes(16);
      store.transaction([&] {
        std::int64_t id = store.add_account(username, name, password_hash(password, salt), salt);
        if (!national_id.empty()) store.set_national_id(id, national_id);
      });
      std::cout << "account " << username << " created\n";
    } else if (*enrol) {
      auto acc = store.account_by_name(username, nullptr, nullptr);
      if (!acc) throw std::runtime_error("no account " + username);
      if (!state.empty()) serial = serial_from_state(state);
      if (serial.empty()) throw std::runtime_error("give --serial or --card-state");
      Bytes serial_bytes = from_hex(serial);
      store.transaction([&] { store.enrol_card({to_hex(serial_bytes), acc->id, "active"}, force); });
      std::cout << "card " << to_hex(serial_bytes) << " enrolled for " << username << "\n";
    } else if (*set) {
      store.set_card_status(to_hex(from_hex(serial)), status);
      std::cout << "card " << serial << ": " << status << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "akis-unlockd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
