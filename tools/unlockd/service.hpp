// SPDX-License-Identifier: LGPL-2.1-or-later
// The reference unlock service: HTTPS only, a JSON API for `akis unlock`, the portal's API and pages.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <memory>
#include <mutex>
#include <string>

#include "store.hpp"
#include "token.hpp"

namespace httplib {
class Server;
struct Request;
}

namespace akis::unlockd {

struct ServiceOptions {
  std::string data_dir;            // unlock.db, server-secret.hex, tls-cert.pem, tls-key.pem
  std::string database;            // empty: SQLite in data_dir; a postgresql:// URI: PostgreSQL (store.hpp)
  std::string host = "127.0.0.1";
  int port = 8443;
  std::string cert, key;           // a real certificate; default: a self-signed one made on first start
  std::string web_dir;             // portal pages
  int code_ttl = 300;              // seconds a verification code lives
  int window = 900;                // rate-limit window, seconds
  int max_failures_per_address = 10;     // refused codes (and, separately, failed logins) per address prefix
  int max_failures_per_card = 5;         // refused codes naming one card, per address prefix
  int max_login_failures_per_user = 10;  // failed logins per user name
  int max_codes_per_account = 10;        // codes a signed-in holder may ask for
  TokenConfig token;               // the issuer token holding the master key
  std::string eonay_ca;            // E-Onay: the CA file (or directory) signer certificates must chain to; empty: off
};

class Service {
 public:
  // HTTPS on o.host:o.port, card keys in the issuer token o.token. Refuses a data directory other users can read.
  explicit Service(ServiceOptions o);
  // The same routes on a server the caller made, without TLS material, with the caller's card keys (the fuzz
  // target feeds it requests from memory).
  Service(ServiceOptions o, std::unique_ptr<httplib::Server> server, std::unique_ptr<CardKeys> keys);
  ~Service();
  // Binds and serves until stop(). Returns false when the port cannot be bound.
  bool run();
  void stop();
  Store& store() { return *store_; }

 private:
  void routes();
  // E-Onay (eonay_routes.cpp) on the unlock routes' code checks, transactions and sessions.
  using CodeCheck = std::function<CodeRecord(const std::string& code, const std::string& address, const std::string& serial)>;
  using Tx = std::function<nlohmann::json(const std::function<nlohmann::json()>&)>;
  using SessionOf = std::function<std::optional<std::int64_t>(const httplib::Request&)>;
  void eonay_routes(const CodeCheck& check_code, const Tx& in_tx, const SessionOf& session_of);
  ServiceOptions o_;
  std::unique_ptr<Store> store_;
  std::mutex db_mutex_;  // one request's transaction at a time on the one connection
  Bytes code_key_;       // HMAC key for stored code hashes
  std::unique_ptr<CardKeys> keys_;
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace akis::unlockd
