// SPDX-License-Identifier: LGPL-2.1-or-later
// See unlock_flow.hpp. The new PIN goes only to the card; the service sees the code, the card serial and the
// card's one-time challenge.
#include "unlock_flow.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "akis/error.hpp"
#include "cli.hpp"

namespace akis::cli {

using nlohmann::json;

namespace {

class UnlockService {
 public:
  UnlockService(const std::string& url, const std::string& ca_file) : client_(url) {
    client_.enable_server_certificate_verification(true);
    if (!ca_file.empty()) client_.set_ca_cert_path(ca_file.c_str());
    client_.set_connection_timeout(10, 0);
    client_.set_read_timeout(20, 0);
  }

  json post(const std::string& path, const json& body) {
    auto res = client_.Post(path.c_str(), body.dump(), "application/json");
    if (!res) throw Failure(kServiceUnreachable, msg(M::ErrServiceUnreachable, http_error_text(static_cast<int>(res.error()))));
    json j = json::parse(res->body, nullptr, false);
    if (res->status == 200) {
      if (j.is_object()) return j;
      throw Failure(kServiceError, msg(M::ErrServiceMalformed));
    }
    std::string error = j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>()
                                                                                       : "http_" + std::to_string(res->status);
    if (error == "code_expired") throw Failure(kCodeExpired, msg(M::ErrCodeExpired));
    if (error == "code_used") throw Failure(kCodeUsed, msg(M::ErrCodeUsed));
    if (error == "code_invalid" || error == "code_superseded") throw Failure(kCodeInvalid, msg(M::ErrCodeInvalid));
    if (error == "rate_limited") throw Failure(kCodeInvalid, msg(M::ErrCodeRateLimited));
    if (error == "wrong_card" || error == "card_not_enrolled") throw Failure(kWrongCard, msg(M::ErrWrongCard));
    if (error == "card_revoked") throw Failure(kCardRevoked, msg(M::ErrCardRevoked));
    throw Failure(kServiceError, msg(M::ErrService, error));
  }

 private:
  httplib::Client client_;
};

// The AKİS e-signature cards in the readers (or the one `reader` names).
std::vector<UnlockCandidate> cards_in_readers(const std::string& reader, const std::shared_ptr<pcsc::Context>& ctx) {
  std::vector<UnlockCandidate> out;
  for (auto& st : ctx->states()) {
    if (!st.present) continue;
    if (!reader.empty() && st.name != reader && st.name.find(reader) == std::string::npos) continue;
    try {
      Card card(std::make_unique<pcsc::PcscTransport>(ctx, st.name));
      auto serial = card.locked([](AkisCommands& c) -> std::optional<Bytes> {
        if (!has_esign_application(c)) return std::nullopt;
        return c.serial_number();
      });
      if (serial) out.push_back({st.name, to_hex(*serial)});
    } catch (const CardError& e) {
      if (e.code() == Err::NoService) throw;
    }
  }
  return out;
}

constexpr std::uint8_t kIssuerKeyRef = 0x01;  // EXTERNAL AUTHENTICATE key of the issuer (assumption)
constexpr int kIssuerTriesKept = 2;           // refused authorisations the flow never spends

// EXTERNAL AUTHENTICATE without a cryptogram: 63 Cx = x tries left, 69 83 = none. Sent only on families whose status
// reads are known to spend nothing (the family table's VERIFY-without-data rule); -1 when not asked or not told.
int issuer_key_tries(Card& card) {
  return card.locked([](AkisCommands& c) {
    if (!c.family().pin_probe_read_only) return -1;
    c.select_application();
    Command cmd;
    cmd.ins = 0x82;
    cmd.p2 = kIssuerKeyRef;
    Response r = c.channel().transmit(cmd);
    if ((r.sw & 0xFFF0) == 0x63C0) return static_cast<int>(r.sw & 0x0F);
    if (r.sw == 0x6983) return 0;
    return -1;
  });
}

long seconds_left(std::chrono::steady_clock::time_point deadline) {
  return std::max<long>(0, static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                                                 deadline - std::chrono::steady_clock::now())
                                                 .count()));
}

void run(const UnlockRequest& request, UnlockPrompts& prompts, UnlockService& service, const std::string& code,
         std::chrono::steady_clock::time_point deadline) {
  auto ctx = std::make_shared<pcsc::Context>();
  auto cards = cards_in_readers(request.reader, ctx);
  if (cards.empty()) {
    Options o;
    o.reader = request.reader;
    open_card(o);  // reports why: no reader, no card, not an e-signature card
    throw Failure(kNoCard, msg(M::ErrNoCard));
  }
  std::size_t choice = cards.size() > 1 ? prompts.choose(cards) : 0;
  if (choice >= cards.size()) throw Failure(kUsage, msg(M::ErrChoice));
  Card card(std::make_unique<pcsc::PcscTransport>(ctx, cards[choice].reader));
  const CardProfile& p = card.profile();
  const PinInfo& pin = *p.user_pin();
  // The issuer key's try counter, before the holder types a PIN: shown, and the last tries are left alone.
  if (int tries = issuer_key_tries(card); tries >= 0) {
    prompts.progress(msg(M::IssuerTriesLeft, tries));
    if (tries == 0) throw Failure(kServiceError, msg(M::ErrIssuerKeyBlocked));
    if (tries <= kIssuerTriesKept) throw Failure(kServiceError, msg(M::ErrIssuerTriesLow, tries));
  }
  prompts.time_left(seconds_left(deadline));
  Secret new_pin = prompts.new_pin(pin);
  if (pin_format(pin, new_pin) != PinFormat::Ok)  // whatever the caller asked: the policy before the card
    throw Failure(kBadInput, msg(M::ErrPinPolicy, pin.min_length, pin.max_length));
  // The card's challenge goes to the service, the service's answer to the card; the PIN stays here.
  bool authorisation_sent = false;  // each EXTERNAL AUTHENTICATE the card refuses costs one of its issuer-key tries
  try {
    card.unblock_online(pin, kIssuerKeyRef, [&](const Bytes& challenge) {
      if (seconds_left(deadline) == 0) throw Failure(kCodeExpired, msg(M::ErrCodeExpired));  // not sent
      json r = service.post("/api/v1/unlock/authorize",
                            {{"code", code}, {"serial", to_hex(p.card_serial)}, {"challenge", to_hex(challenge)}});
      // Only a well-formed answer reaches the card: HMAC-SHA256, 32 bytes (docs/unlock-protocol.md).
      auto it = r.find("cryptogram");
      Bytes cryptogram;
      try {
        if (it != r.end() && it->is_string()) cryptogram = from_hex(it->get<std::string>());
      } catch (const std::invalid_argument&) {
      }
      if (cryptogram.size() != 32) throw Failure(kServiceError, msg(M::ErrServiceMalformed));
      authorisation_sent = true;
      return cryptogram;
    }, new_pin);
  } catch (const CardError& e) {
    if (!authorisation_sent) throw;
    // One refused authorisation is enough to stop: a rogue or broken service must not use up the card's tries.
    if (e.code() == Err::PinBlocked) throw Failure(kServiceError, msg(M::ErrIssuerKeyBlocked));
    if (e.code() == Err::WrongData || e.code() == Err::SecurityStatus || e.code() == Err::WrongPin)
      throw Failure(kServiceError, msg(M::ErrCryptogramRefused) +
                                       (e.tries_left() >= 0 ? " " + msg(M::IssuerTriesLeft, e.tries_left()) : ""));
    throw;
  }
}

}  // namespace

void UnlockPrompts::time_left(long seconds) { progress(msg(M::CodeTimeLeft, seconds)); }

std::string normalise_code(std::string_view typed) {
  std::string code;
  for (char c : typed)
    if (c != ' ' && c != '-' && c != '\r') code.push_back(c);  // "123 456 789..." pasted with separators
  return code;
}

void check_code_format(const std::string& code) {
  if (code.size() != 15 || code.find_first_not_of("0123456789") != std::string::npos)
    throw Failure(kBadInput, msg(M::ErrCodeFormat));
}

void check_service_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0) throw Failure(kUsage, msg(M::ErrNeedsHttps));
}

void unlock_online(const UnlockRequest& request, UnlockPrompts& prompts) {
  check_service_url(request.service_url);
  const std::string code = normalise_code(prompts.code());
  check_code_format(code);
  UnlockService service(request.service_url, request.ca_file);
  prompts.progress(msg(M::UnlockContacting));
  json check = service.post("/api/v1/unlock/check", {{"code", code}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(check.value("expires_in", 0));
  prompts.time_left(seconds_left(deadline));
  try {
    run(request, prompts, service, code, deadline);
  } catch (const CardError& e) {
    fail_with(e);
  }
}

}  // namespace akis::cli
