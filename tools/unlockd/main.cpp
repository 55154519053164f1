// akis-unlockd: the reference online unlock service and its admin commands.
#include <CLI/CLI.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto.hpp"
#include "service.hpp"

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
  std::string data;

  auto* serve = app.add_subcommand("serve", "run the HTTPS service and the portal");
  serve->add_option("--data", so.data_dir, "data directory (database, keys, demo TLS certificate)")->required();
  serve->add_option("--host", so.host, "listen address");
  serve->add_option("--port", so.port, "listen port");
  serve->add_option("--cert", so.cert, "TLS certificate (PEM); default: a self-signed one made on first start");
  serve->add_option("--key", so.key, "TLS private key (PEM)");
  serve->add_option("--web-dir", so.web_dir, "portal pages")->check(CLI::ExistingDirectory);
  serve->add_option("--code-ttl", so.code_ttl, "seconds a verification code lives");
  serve->add_option("--max-failures-per-address", so.max_failures_per_address, "refused codes per address per window");
  serve->add_option("--max-failures-per-account", so.max_failures_per_account, "refused codes per account per window");
  serve->add_option("--window", so.window, "rate-limit window in seconds");

  std::string username, name, serial, state, master, status;
  auto* add = app.add_subcommand("add-account", "create a portal account (password from AKIS_UNLOCKD_PASSWORD or stdin)");
  add->add_option("--data", data, "data directory")->required();
  add->add_option("--username", username)->required();
  add->add_option("--name", name, "display name")->required();

  auto* enrol = app.add_subcommand("enrol", "enrol a card for an account (its unblock key from the issuer master key)");
  enrol->add_option("--data", data, "data directory")->required();
  enrol->add_option("--username", username, "owner")->required();
  auto* ser = enrol->add_option("--serial", serial, "card serial (hex)");
  enrol->add_option("--card-state", state, "a virtual card's state file (the serial is read from it)")->excludes(ser);
  enrol->add_option("--issuer-master", master, "issuer master key file (hex)")->required()->check(CLI::ExistingFile);

  auto* set = app.add_subcommand("set-status", "suspend, revoke or reactivate a card");
  set->add_option("--data", data, "data directory")->required();
  set->add_option("--serial", serial)->required();
  set->add_option("--status", status)->required()->check(CLI::IsMember({"active", "suspended", "revoked"}));

  CLI11_PARSE(app, argc, argv);
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
    std::filesystem::create_directories(data);
    Store store(data + "/unlock.db");
    if (*add) {
      std::string password = read_password();
      if (password.size() < 8) throw std::runtime_error("the password needs at least 8 characters");
      Bytes salt = random_bytes(16);
      store.add_account(username, name, password_hash(password, salt), salt);
      std::cout << "account " << username << " created\n";
    } else if (*enrol) {
      auto acc = store.account_by_name(username, nullptr, nullptr);
      if (!acc) throw std::runtime_error("no account " + username);
      if (!state.empty()) serial = serial_from_state(state);
      if (serial.empty()) throw std::runtime_error("give --serial or --card-state");
      Bytes serial_bytes = from_hex(serial);
      std::ifstream mf(master);
      std::stringstream ss;
      ss << mf.rdbuf();
      Bytes key = card_key(from_hex(ss.str()), serial_bytes);
      store.enrol_card({to_hex(serial_bytes), acc->id, "active", key});
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
