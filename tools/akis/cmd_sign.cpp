// SPDX-License-Identifier: LGPL-2.1-or-later
// akis sign: CAdES (attached .imz / detached .p7s), PAdES (.signed.pdf) or XAdES (.signed.xml) with the card's
// key through the PKCS#11 module, the PIN asked as for the other commands.
#include "cmd_sign.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "akis/sign/cades.hpp"
#include "akis/sign/pades.hpp"
#include "akis/sign/token.hpp"
#include "akis/sign/xades.hpp"
#include "cert_summary.hpp"

namespace akis::cli {

namespace fs = std::filesystem;

namespace {

Bytes read_input(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(kBadInput, msg(M::ErrCannotRead, path));
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_output(const std::string& path, const Bytes& data) {
  write_file(path, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

std::string lower_ext(const std::string& file) {
  std::string e = fs::path(file).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return e;
}

// "PAGE,X,Y,W,H" (five numbers).
sign::VisibleSignature parse_visible(const std::string& spec) {
  sign::VisibleSignature v;
  double page = 0;
  char end = 0;
  if (std::sscanf(spec.c_str(), "%lf,%lf,%lf,%lf,%lf%c", &page, &v.x, &v.y, &v.w, &v.h, &end) != 5 || page < 1 ||
      page != static_cast<int>(page) || v.w <= 0 || v.h <= 0)
    throw Failure(kUsage, msg(M::ErrVisible, spec));
  v.page = static_cast<int>(page);
  return v;
}

std::string local_time_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %z", &tm);
  return buf;
}

}  // namespace

// The card's errors in the user's words and the exit code scripts know (exit_codes.hpp).
[[noreturn]] void fail_token(const sign::TokenError& e) {
  using sign::TokenErr;
  switch (e.code) {
    case TokenErr::NoModule: throw Failure(kNotPossible, msg(M::ErrNoModule, e.what()));
    case TokenErr::NoToken: throw Failure(kNoCard, msg(M::ErrNoCard));
    case TokenErr::NoCert: throw Failure(kNotPossible, msg(M::ErrNoSigningCert, e.what()));
    case TokenErr::WrongPin: throw Failure(kWrongPin, msg(M::SignWrongPin));
    case TokenErr::PinLocked: throw Failure(kBlocked, msg(M::PinIsBlocked));
    case TokenErr::PinPolicy: throw Failure(kBadInput, msg(M::SignPinLength));
    case TokenErr::Removed: throw Failure(kCardRemoved, msg(M::ErrCardRemoved));
    case TokenErr::Failed: break;
  }
  throw Failure(kCardError, msg(M::ErrCard, e.what()));
}

// One rule for scripts: --detached always gives a detached CAdES (FILE.p7s), whatever the file is (PDF and XML
// included); only an explicit --format pades|xades with it is a usage error. Without --detached: by the
// extension, and a document without .xml that is XML (an e-Fatura saved as .txt) gets XAdES too.
std::string default_sign_format(const std::string& file, ByteView input, bool detached) {
  if (detached) return "cades";
  const std::string ext = lower_ext(file);
  return ext == ".pdf" ? "pades" : ext == ".xml" || sign::is_xml(input) ? "xades" : "cades";
}

std::string default_sign_output(const std::string& file, const std::string& format, bool detached) {
  if (format == "cades") return file + (detached ? ".p7s" : ".imz");
  return (fs::path(file).parent_path() / fs::path(file).stem()).string() + (format == "pades" ? ".signed.pdf" : ".signed.xml");
}

std::vector<std::string> stamp_lines(const sign::TokenCert& cert) {
  std::string who = cert.label;
  try {
    auto c = summarise_certificate(cert.der);
    if (!c.holder.empty()) who = c.holder;
  } catch (const std::exception&) {
  }
  return {msg(M::StampSignedBy, who), msg(M::StampDate, local_time_now())};
}

int cmd_sign(const Options& o, const SignArgs& a) {
  Bytes input = read_input(a.file);
  std::string format = a.format.empty() ? default_sign_format(a.file, input, a.detached) : a.format;
  if (a.detached && format != "cades") throw Failure(kUsage, msg(M::ErrDetachedCadesOnly));
  if (!a.visible.empty() && format != "pades") throw Failure(kUsage, msg(M::ErrVisibleNotPdf));
  std::optional<sign::VisibleSignature> visible;
  if (!a.visible.empty()) visible = parse_visible(a.visible);
  if (format == "xades") {
    try {
      sign::check_xml(input);
    } catch (const std::runtime_error& e) {
      throw Failure(kBadInput, msg(M::ErrNotXml, a.file, e.what()));
    }
  }
  const std::string out = a.out.empty() ? default_sign_output(a.file, format, a.detached) : a.out;
  try {
    auto token = sign::Token::open(sign::default_module_path(), o.reader);
    SecretInput in(o.pin_fd);
    Secret pin = read_secret(in, M::PromptPin, "AKIS_PIN", "PIN");
    token->login(pin);  // private keys are visible after the login
    pin.wipe();
    sign::TokenCert cert = token->choose(a.cert);
    EVP_PKEY* key = token->private_key(cert);
    Bytes signed_bytes;
    if (format == "cades") {
      sign::CadesOptions co;
      co.detached = a.detached;
      co.tsa_url = a.tsa;
      signed_bytes = sign::cades_sign(key, cert.der, input, co);
    } else if (format == "pades") {
      sign::PadesOptions po{a.tsa, visible};
      if (po.visible) po.visible->lines = stamp_lines(cert);
      signed_bytes = sign::pades_sign(key, cert.der, input, po);
    } else {
      signed_bytes = sign::xades_sign(key, cert.der, input);
    }
    write_output(out, signed_bytes);
    std::cout << msg(M::SignedWith, cert.label) << "\n" << msg(M::Written, out) << "\n";
  } catch (const sign::TokenError& e) {
    fail_token(e);
  } catch (const Failure&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw Failure(kBadInput, msg(M::ErrVisible, e.what()));
  } catch (const std::runtime_error& e) {
    throw Failure(kCardError, msg(M::ErrSigning, e.what()));
  }
  return kOk;
}

void add_sign_commands(CLI::App& app, Options& o, SignCommands& c) {
  c.sign = app.add_subcommand("sign", "sign a document with the card (CAdES, PAdES, XAdES)");
  c.sign->add_option("--format", c.s.format, "cades, pades or xades (default: by the file type)")
      ->check(CLI::IsMember({"cades", "pades", "xades"}));
  c.sign->add_flag("--detached", c.s.detached, "CAdES without the document inside (.p7s)");
  c.sign->add_option("--cert", c.s.cert, "certificate: hex CKA_ID or label (default: the non-repudiation one)");
  c.sign->add_option("--tsa", c.s.tsa, "RFC 3161 timestamp authority URL");
  c.sign->add_option("-o,--out", c.s.out, "output file");
  c.sign->add_option("--visible", c.s.visible, "PDF: a visible signature box PAGE,X,Y,W,H (points from the lower left)");
  c.sign->add_option("FILE", c.s.file, "the document")->required();
  c.verify = app.add_subcommand("verify", "verify a signed document");
  c.verify->add_option("--data", c.v.data, "the signed document of a detached signature");
  c.verify->add_option("--ca", c.v.ca, "trusted root certificate(s): a PEM/DER file or a directory");
  c.verify->add_flag("--json", o.json, "machine-readable output");
  c.verify->add_option("FILE", c.v.file, "the signature or the signed document")->required();
}

std::optional<int> run_sign_commands(const Options& o, const SignCommands& c) {
  if (c.sign && *c.sign) return cmd_sign(o, c.s);
  if (c.verify && *c.verify) return cmd_verify(o, c.v);
  return std::nullopt;
}

}  // namespace akis::cli
