// SPDX-License-Identifier: LGPL-2.1-or-later
#include "service.hpp"

#include <httplib.h>

#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "api.hpp"
#include "crypto.hpp"
#include "http_limits.hpp"
#include "reaper.hpp"

namespace akis::unlockd {

namespace fs = std::filesystem;
using nlohmann::json;

Service::Service(ServiceOptions o) : Service(std::move(o), nullptr, nullptr) {}

Service::Service(ServiceOptions o, std::unique_ptr<httplib::Server> server, std::unique_ptr<CardKeys> keys)
    : o_(std::move(o)), keys_(std::move(keys)) {
  if (server) {
    fs::create_directories(o_.data_dir);
  } else {
    secure_data_dir(o_.data_dir, true);
  }
  if (!keys_) {
    auto token = std::make_unique<IssuerToken>(o_.token);
    token->check_master();
    keys_ = std::move(token);
  }
  store_ = open_store(o_.data_dir, o_.database);
  code_key_ = load_or_create_secret(o_.data_dir + "/server-secret.hex", 32);
  if (!server) {
    if (o_.cert.empty()) {
      o_.cert = o_.data_dir + "/tls-cert.pem";
      o_.key = o_.data_dir + "/tls-key.pem";
      if (!fs::exists(o_.cert) || !fs::exists(o_.key)) make_self_signed(o_.cert, o_.key);
    }
    auto tls = std::make_unique<httplib::SSLServer>(o_.cert.c_str(), o_.key.c_str());
    if (!tls->is_valid()) throw std::runtime_error("cannot load the TLS certificate " + o_.cert);
    bound_tls_input(tls->ssl_context());
    server = std::move(tls);
  }
  server_ = std::move(server);
  routes();
}

Service::~Service() = default;

bool Service::run() {
  if (!server_->bind_to_port(o_.host, o_.port)) return false;
  ConnectionReaper reaper(o_.port, std::chrono::seconds(kConnectionDeadlineSeconds));
  return server_->listen_after_bind();
}

void Service::stop() { server_->stop(); }

void Service::routes() {
  auto& s = *server_;
  harden(s);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "akis-unlockd: internal error: %s\n", e.what());
      send_error(res, {500, "internal_error", "internal error"});
    } catch (...) {
      send_error(res, {500, "internal_error", "internal error"});
    }
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) == 0 && res.body.empty())
      send_error(res, {res.status, res.status == 404 ? "not_found" : "http_error", "no such endpoint"});
  });
  s.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    res.set_header("Strict-Transport-Security", "max-age=31536000");
  });
  if (!o_.web_dir.empty()) s.set_mount_point("/", o_.web_dir);

  // Checks a code for `akis unlock`; returns the code record. Refusals are audited with the client's address prefix
  // and the card the request names, and counted per prefix and per (prefix, card): guesses naming a holder's card
  // throttle the guesser's network, never the holder's right code from her own.
  auto check_code = [this](const std::string& code, const std::string& address, const std::string& serial) -> CodeRecord {
    const std::int64_t t = now();
    const std::string prefix = address_prefix(address);
    if (store_->count("code_refused", t - o_.window, prefix) >= o_.max_failures_per_address ||
        (!serial.empty() && store_->count("code_refused", t - o_.window, prefix, serial) >= o_.max_failures_per_card))
      throw ApiError{429, "rate_limited", "too many failed attempts; wait and try again"};
    auto refuse = [&](std::optional<std::int64_t> acc, int status, const char* code_name, const char* why) {
      store_->audit(t, acc, serial, address, "code_refused", code_name);
      return ApiError{status, code_name, why};
    };
    auto rec = store_->code(hmac_sha256(code_key_, to_bytes(code)));
    if (!rec) throw refuse(std::nullopt, 404, "code_invalid", "unknown verification code");
    if (rec->used) throw refuse(rec->account_id, 409, "code_used", "the verification code was already used");
    if (rec->superseded)
      throw refuse(rec->account_id, 410, "code_superseded", "a newer code replaced this verification code");
    if (rec->expires_at <= t) throw refuse(rec->account_id, 410, "code_expired", "the verification code has expired");
    return *rec;
  };

  // Runs one request's work in one transaction; refusals are committed too (audit, rate limits).
  auto in_tx = [this](auto&& fn) {
    std::lock_guard lock(db_mutex_);
    std::optional<ApiError> refused;
    auto result = store_->transaction([&] {
      try {
        return fn();
      } catch (const ApiError& e) {
        refused = e;
        return json();
      }
    });
    if (refused) throw *refused;
    return result;
  };

  post(s, "/api/v1/unlock/check", [=](const httplib::Request& req, const std::string& req_body,
                                                   httplib::Response& res) {
    json body = parse_body(req_body);
    std::string code = code_field(body);
    json out = in_tx([&] {
      CodeRecord rec = check_code(code, req.remote_addr, "");
      return json{{"expires_in", rec.expires_at - now()}};
    });
    send_json(res, 200, out);
  });

  post(s, "/api/v1/unlock/authorize", [=, this](const httplib::Request& req, const std::string& req_body,
                                                   httplib::Response& res) {
    json body = parse_body(req_body);
    std::string code = code_field(body);
    Bytes serial = hex_field(body, "serial", 4, 32);
    Bytes challenge = hex_field(body, "challenge", 8, 32);
    json out = in_tx([&] {
      const std::int64_t t = now();
      CodeRecord rec = check_code(code, req.remote_addr, to_hex(serial));
      auto card = store_->card(to_hex(serial));
      // Not enrolled and someone else's card get the same answer: a code does not probe which serials exist.
      if (!card || card->account_id != rec.account_id || (!rec.serial.empty() && rec.serial != card->serial)) {
        store_->audit(t, rec.account_id, to_hex(serial), req.remote_addr, "code_refused", card ? "wrong_card" : "card_not_enrolled");
        throw ApiError{403, "wrong_card", "the code was not issued for this card"};
      }
      if (card->status != "active") {
        store_->audit(t, rec.account_id, to_hex(serial), req.remote_addr, "unlock_refused", "card_" + card->status);
        throw ApiError{403, "card_revoked", "the card is " + card->status};
      }
      if (!store_->mark_code_used(rec.id, t)) {  // spent meanwhile by another service instance on the same database
        store_->audit(t, rec.account_id, to_hex(serial), req.remote_addr, "code_refused", "code_used");
        throw ApiError{409, "code_used", "the verification code was already used"};
      }
      store_->audit(t, rec.account_id, to_hex(serial), req.remote_addr, "unlock_authorized", "");
      return json{{"cryptogram", to_hex(keys_->cryptogram(serial, challenge))}};
    });
    send_json(res, 200, out);
  });

  // ---- portal ----
  auto session_of = [this](const httplib::Request& req) -> std::optional<std::int64_t> {
    std::string token = cookie(req, "akis_session");
    if (token.size() != 64) return std::nullopt;
    std::lock_guard lock(db_mutex_);
    return store_->session_account(sha256(to_bytes(token)), now());
  };

  post(s, "/api/portal/login", [=, this](const httplib::Request& req, const std::string& req_body,
                                                   httplib::Response& res) {
    json body = parse_body(req_body);
    std::string user = field(body, "username", 64), password = field(body, "password", 256);
    std::string token = to_hex(random_bytes(32));
    json out = in_tx([&] {
      const std::int64_t t = now();
      // Failed logins are their own kind, limited per prefix and per user name; unknown names cost one PBKDF2 too.
      if (store_->count("login_failed", t - o_.window, address_prefix(req.remote_addr)) >= o_.max_failures_per_address ||
          store_->count("login_failed", t - o_.window, "", "", user) >= o_.max_login_failures_per_user)
        throw ApiError{429, "rate_limited", "too many failed attempts; wait and try again"};
      Bytes hash, salt;
      auto acc = store_->account_by_name(user, &hash, &salt);
      Bytes computed = password_hash(password, acc ? salt : Bytes(16, 0));
      if (!acc || !constant_time_equal(computed, hash)) {
        store_->audit(t, acc ? std::optional(acc->id) : std::nullopt, "", req.remote_addr, "login_failed", user);
        throw ApiError{401, "login_failed", "wrong user name or password"};
      }
      store_->add_session(sha256(to_bytes(token)), acc->id, t + 3600);
      store_->audit(t, acc->id, "", req.remote_addr, "login", "");
      return json{{"name", acc->display_name}};
    });
    res.set_header("Set-Cookie", "akis_session=" + token + "; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600");
    send_json(res, 200, out);
  });

  post(s, "/api/portal/logout", [=, this](const httplib::Request& req, const std::string&, httplib::Response& res) {
    std::string token = cookie(req, "akis_session");
    {
      std::lock_guard lock(db_mutex_);
      store_->drop_session(sha256(to_bytes(token)));
    }
    res.set_header("Set-Cookie", "akis_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    send_json(res, 200, json::object());
  });

  s.Get("/api/portal/me", [=, this](const httplib::Request& req, httplib::Response& res) {
    auto acc = session_of(req);
    if (!acc) throw ApiError{401, "not_signed_in", "sign in first"};
    std::lock_guard lock(db_mutex_);
    auto a = store_->account_by_id(*acc);
    json cards = json::array();
    for (auto& c : store_->cards_of(*acc)) cards.push_back({{"serial", c.serial}, {"status", c.status}});
    json history = json::array();
    for (auto& h : store_->unlock_history(*acc, 20))
      history.push_back({{"at", h.at}, {"serial", h.serial}, {"event", h.event}, {"detail", h.detail}});
    send_json(res, 200, {{"name", a ? a->display_name : ""}, {"cards", cards}, {"history", history}});
  });

  post(s, "/api/portal/code", [=, this](const httplib::Request& req, const std::string& req_body,
                                        httplib::Response& res) {
    auto acc = session_of(req);
    if (!acc) throw ApiError{401, "not_signed_in", "sign in first"};
    // The holder picks the card the code is for: the code then unlocks that serial only.
    std::string serial;
    if (json body = parse_body(req_body.empty() ? "{}" : req_body); body.contains("serial"))
      serial = to_hex(hex_field(body, "serial", 4, 32));
    std::string code = new_code();
    json out = in_tx([&] {
      const std::int64_t t = now();
      if (store_->count("code_issued", t - o_.window, "", "", "", *acc) >= o_.max_codes_per_account)
        throw ApiError{429, "rate_limited", "too many codes; wait and try again"};
      if (!serial.empty()) {
        auto card = store_->card(serial);
        if (!card || card->account_id != *acc) throw ApiError{400, "invalid_request", "not one of your cards"};
      }
      store_->add_code(*acc, hmac_sha256(code_key_, to_bytes(code)), t, t + o_.code_ttl, serial);
      store_->audit(t, *acc, serial, req.remote_addr, "code_issued", "");
      return json{{"code", code}, {"expires_in", o_.code_ttl}};
    });
    send_json(res, 200, out);
  });

  eonay_routes(check_code, [in_tx](const std::function<json()>& fn) { return in_tx(fn); }, session_of);
}

}  // namespace akis::unlockd
