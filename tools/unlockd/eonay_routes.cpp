// SPDX-License-Identifier: LGPL-2.1-or-later
// The E-Onay routes. A code for an E-Onay is an unlock-style code (same generator, lifetime, single use, rate
// limits and audit) stored under the hash of "eonay:" + code, so it never unlocks a card and an unlock code never
// approves; asking for one supersedes the account's other unused codes (one pending code per holder).
#include <httplib.h>

#include "api.hpp"
#include "crypto.hpp"
#include "eonay.hpp"
#include "http_limits.hpp"
#include "service.hpp"

namespace akis::unlockd {

namespace {
json text_json() {
  const auto& t = eonay_text();
  return {{"version", t.version}, {"text_tr", t.tr}, {"text_en", t.en}, {"document", eonay_document()}};
}
std::string eonay_key(const std::string& code) { return "eonay:" + code; }
}  // namespace

void Service::eonay_routes(const CodeCheck& check_code, const Tx& in_tx, const SessionOf& session_of) {
  auto& s = *server_;
  auto signed_in = [session_of](const httplib::Request& req) {
    auto acc = session_of(req);
    if (!acc) throw ApiError{401, "not_signed_in", "sign in first"};
    return *acc;
  };

  // The portal: a code and the text for the signed-in holder.
  post(s, "/api/portal/eonay", [=, this](const httplib::Request& req, const std::string&, httplib::Response& res) {
    std::int64_t acc = signed_in(req);
    std::string code = new_code();
    json out = in_tx([&] {
      const std::int64_t t = now();
      if (store_->count("code_issued", t - o_.window, "", "", "", acc) >= o_.max_codes_per_account)
        throw ApiError{429, "rate_limited", "too many codes; wait and try again"};
      if (store_->national_id(acc).empty())
        throw ApiError{409, "no_national_id", "the account has no T.C. Kimlik No; ask the service's administrator"};
      store_->add_code(acc, hmac_sha256(code_key_, to_bytes(eonay_key(code))), t, t + o_.code_ttl);
      store_->audit(t, acc, "", req.remote_addr, "code_issued", "eonay");
      json j = text_json();
      j["code"] = code;
      j["expires_in"] = o_.code_ttl;
      return j;
    });
    send_json(res, 200, out);
  });

  s.Get("/api/portal/eonay", [=, this](const httplib::Request& req, httplib::Response& res) {
    std::int64_t acc = signed_in(req);
    json out = in_tx([&] {
      auto a = store_->active_approval(acc);
      if (!a) return json{{"approved", false}, {"version", eonay_text().version}};
      return json{{"approved", true}, {"at", a->at}, {"version", a->text_version}, {"cert_serial", a->cert_serial},
                  {"cert_fingerprint", a->cert_fingerprint}, {"current", a->text_version == eonay_text().version}};
    });
    send_json(res, 200, out);
  });

  post(s, "/api/portal/eonay/withdraw", [=, this](const httplib::Request& req, const std::string&, httplib::Response& res) {
    std::int64_t acc = signed_in(req);
    json out = in_tx([&] {
      const std::int64_t t = now();
      if (!store_->withdraw_approval(acc, t)) throw ApiError{404, "no_approval", "there is no E-Onay to withdraw"};
      store_->audit(t, acc, "", req.remote_addr, "eonay_withdrawn", "");
      return json{{"withdrawn_at", t}};
    });
    send_json(res, 200, out);
  });

  // `akis eonay`: the text for a code (the code stays valid), then the signature over it.
  post(s, "/api/v1/eonay/text", [=](const httplib::Request& req, const std::string& req_body, httplib::Response& res) {
    std::string code = code_field(parse_body(req_body));
    json out = in_tx([&] {
      CodeRecord rec = check_code(eonay_key(code), req.remote_addr, "");
      json j = text_json();
      j["expires_in"] = rec.expires_at - now();
      return j;
    });
    send_json(res, 200, out);
  });

  post(s, "/api/v1/eonay/approve", [=, this](const httplib::Request& req, const std::string& req_body,
                                             httplib::Response& res) {
    json body = parse_body(req_body);
    std::string code = code_field(body);
    Bytes cms = hex_field(body, "signature", 64, 24 * 1024);
    if (o_.eonay_ca.empty()) throw ApiError{503, "eonay_not_configured", "the service has no E-Onay CA configured"};
    json out = in_tx([&] {
      const std::int64_t t = now();
      CodeRecord rec = check_code(eonay_key(code), req.remote_addr, "");
      EonayCheck c = check_eonay_signature(cms, o_.eonay_ca, store_->national_id(rec.account_id));
      if (!c.error.empty()) {
        // Counted with the refused codes: a wrong signature costs the sender's network as a wrong code does.
        store_->audit(t, rec.account_id, "", req.remote_addr, "code_refused", c.error);
        throw ApiError{c.error == "signature_invalid" || c.error == "text_mismatch" ? 422 : 403, c.error, c.message};
      }
      if (!store_->mark_code_used(rec.id, t)) {
        store_->audit(t, rec.account_id, "", req.remote_addr, "code_refused", "code_used");
        throw ApiError{409, "code_used", "the verification code was already used"};
      }
      store_->add_approval({0, rec.account_id, eonay_text().version, t, c.cert_serial, c.cert_fingerprint, std::nullopt,
                           to_hex(cms)});
      store_->audit(t, rec.account_id, "", req.remote_addr, "eonay_approved", c.cert_fingerprint);
      return json{{"approved", true}, {"at", t}, {"version", eonay_text().version}, {"cert_serial", c.cert_serial}};
    });
    send_json(res, 200, out);
  });
}

}  // namespace akis::unlockd
