// SPDX-License-Identifier: LGPL-2.1-or-later
// akis eonay: fetches the E-Onay text for a portal code over HTTPS, shows it in full, asks for confirmation and the
// PIN, signs exactly the service's document with CAdES-BES (attached) through our PKCS#11 module and posts it.
#include "cmd_eonay.hpp"

#include <httplib.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "akis/sign/cades.hpp"
#include "akis/sign/token.hpp"
#include "cmd_sign.hpp"
#include "exit_codes.hpp"
#include "messages.hpp"
#include "secret_input.hpp"

namespace akis::cli {

using nlohmann::json;

namespace {

// The service's refusals in the user's words, with the exit codes of `akis unlock` where they mean the same.
[[noreturn]] void refused(const std::string& error) {
  if (error == "code_expired") throw Failure(kCodeExpired, msg(M::ErrCodeExpired));
  if (error == "code_used") throw Failure(kCodeUsed, msg(M::ErrCodeUsed));
  if (error == "code_invalid" || error == "code_superseded") throw Failure(kCodeInvalid, msg(M::ErrCodeInvalid));
  if (error == "rate_limited") throw Failure(kCodeInvalid, msg(M::ErrCodeRateLimited));
  if (error == "wrong_signer")
    throw Failure(kWrongCard, msg(M::EonayWrongSigner));
  if (error == "text_mismatch")
    throw Failure(kServiceError, msg(M::EonayTextMismatch));
  if (error == "certificate_expired")
    throw Failure(kServiceError, msg(M::EonayCertExpired));
  if (error == "certificate_untrusted")
    throw Failure(kServiceError, msg(M::EonayCertUntrusted));
  throw Failure(kServiceError, msg(M::ErrService, error));
}

json post(httplib::Client& c, const std::string& path, const json& body) {
  auto res = c.Post(path.c_str(), body.dump(), "application/json");
  if (!res) throw Failure(kServiceUnreachable, msg(M::ErrServiceUnreachable, http_error_text(static_cast<int>(res.error()))));
  json j = json::parse(res->body, nullptr, false);
  if (res->status == 200 && j.is_object()) return j;
  if (res->status == 200) throw Failure(kServiceError, msg(M::ErrServiceMalformed));
  refused(j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>()
                                                                          : "http_" + std::to_string(res->status));
}

bool confirmed(const Options& o) {
  if (o.yes) return true;
  std::cerr << msg(M::EonayConfirm) << std::flush;
  std::string line;
  if (o.pin_fd >= 0) {  // the same input as the PIN, read without buffering ahead
    auto s = SecretInput(o.pin_fd).read("", nullptr);
    if (!s) return false;
    line.assign(s->bytes().begin(), s->bytes().end());
  } else if (!std::getline(std::cin, line)) {
    return false;
  }
  return line == "y" || line == "Y" || line == "yes" || line == "e" || line == "E" || line == "evet";
}

int cmd_eonay(const Options& o, const EonayCommand& c) {
  if (c.server.rfind("https://", 0) != 0) throw Failure(kUsage, msg(M::ErrNeedsHttps));
  if (c.code.size() != 15 || c.code.find_first_not_of("0123456789") != std::string::npos)
    throw Failure(kBadInput, msg(M::ErrCodeFormat));
  httplib::Client client(c.server);
  client.enable_server_certificate_verification(true);
  if (!c.ca_file.empty()) client.set_ca_cert_path(c.ca_file.c_str());
  client.set_connection_timeout(10, 0);
  client.set_read_timeout(20, 0);

  json text = post(client, "/api/v1/eonay/text", {{"code", c.code}});
  if (!text.contains("document") || !text["document"].is_string()) throw Failure(kServiceError, msg(M::ErrServiceMalformed));
  const std::string document = text["document"];
  std::cout << document << std::flush;  // in full: what is shown is exactly what is signed
  if (!confirmed(o)) throw Failure(kDeclined, msg(M::Declined));

  Bytes cms;
  try {
    auto token = sign::Token::open(sign::default_module_path(), o.reader);
    SecretInput in(o.pin_fd);
    Secret pin = read_secret(in, M::PromptPin, "AKIS_PIN", "PIN");
    token->login(pin);
    pin.wipe();
    sign::TokenCert cert = token->choose("");
    cms = sign::cades_sign(token->private_key(cert), cert.der, view(document));
  } catch (const sign::TokenError& e) {
    fail_token(e);
  } catch (const std::runtime_error& e) {
    throw Failure(kCardError, msg(M::ErrSigning, e.what()));
  }
  json r = post(client, "/api/v1/eonay/approve", {{"code", c.code}, {"signature", to_hex(cms)}});
  std::cout << msg(M::EonayGiven, r.value("version", std::string("?"))) << "\n";
  return kOk;
}

}  // namespace

void add_eonay_command(CLI::App& app, Options& o, EonayCommand& c) {
  c.cmd = app.add_subcommand("eonay", "give the E-Onay of the unlock service's portal, signed with the card");
  c.cmd->add_option("CODE", c.code, "the verification code the portal shows")->required();
  c.cmd->add_option("--server", c.server, "unlock service URL");
  c.cmd->add_option("--ca-file", c.ca_file, "CA certificate that signed the service's TLS certificate");
  c.cmd->add_option("--reader,-r", o.reader, "card reader (name or part of it)");
}

std::optional<int> run_eonay_command(const Options& o, const EonayCommand& c) {
  if (c.cmd && *c.cmd) return cmd_eonay(o, c);
  return std::nullopt;
}

}  // namespace akis::cli
