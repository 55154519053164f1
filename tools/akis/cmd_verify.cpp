// SPDX-License-Identifier: LGPL-2.1-or-later
// akis verify: a CAdES (.imz/.p7s), PAdES (PDF) or XAdES (XML) signature: signer, certificate, signing time,
// timestamp, chain against --ca, and a verdict with its own exit code (exit_codes.hpp).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "akis/sign/cades.hpp"
#include "akis/sign/pades.hpp"
#include "akis/sign/xades.hpp"
#include "cert_summary.hpp"
#include "cmd_sign.hpp"

namespace akis::cli {

namespace {

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Failure(kBadSignatureFile, msg(M::ErrCannotRead, path));
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Report {
  std::string format;
  bool valid = false;
  std::string error;
  Bytes signer;
  std::optional<std::time_t> signing_time;
  bool has_timestamp = false, timestamp_valid = false;
  std::optional<std::time_t> timestamp_time;
  std::string timestamp_error;
  sign::ChainResult chain = sign::ChainResult::NotChecked;
  std::string chain_error;
};

Report from_cades(const sign::Verification& v, const std::string& format) {
  Report r;
  r.format = format;
  r.valid = v.signature_valid;
  r.error = v.error;
  r.signer = v.signer_cert;
  r.signing_time = v.signing_time;
  r.has_timestamp = v.has_timestamp;
  r.timestamp_valid = v.timestamp_valid;
  r.timestamp_time = v.timestamp_time;
  r.timestamp_error = v.timestamp_error;
  r.chain = v.chain;
  r.chain_error = v.chain_error;
  return r;
}

std::string when(const std::optional<std::time_t>& t) {
  if (!t) return "-";
  char buf[32];
  std::tm tm{};
  gmtime_r(&*t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

int verdict_code(const Report& r) {
  if (!r.valid) return kSignatureInvalid;
  if (r.has_timestamp && !r.timestamp_valid) return kTimestampInvalid;
  if (r.chain == sign::ChainResult::Untrusted) return kUntrustedSigner;
  if (r.chain == sign::ChainResult::NotChecked) return kChainNotChecked;
  return kOk;
}

std::string verdict_text(int code) {
  switch (code) {
    case kOk: return msg(M::VerdictValid);
    case kSignatureInvalid: return msg(M::VerdictInvalid);
    case kTimestampInvalid: return msg(M::VerdictTimestamp);
    case kUntrustedSigner: return msg(M::VerdictUntrusted);
    default: return msg(M::VerdictNotChecked);
  }
}

}  // namespace

SignatureCheck verify_signature(ByteView file, const std::string& data_path, const std::vector<std::string>& anchors) {
  std::size_t first = 0;
  if (file.size() >= 3 && file[0] == 0xEF && file[1] == 0xBB && file[2] == 0xBF) first = 3;  // UTF-8 BOM
  while (first < file.size() && std::isspace(file[first])) ++first;
  if (file.size() >= 5 && std::equal(file.begin(), file.begin() + 5, "%PDF-")) {
    auto sig = sign::pades_extract(file);
    SignatureCheck c{"PAdES", sign::cades_verify(sig.cms, sig.signed_bytes, anchors)};
    if (!sig.covers_whole_file && c.v.signature_valid) {
      c.v.signature_valid = false;
      c.v.error = msg(M::PdfNotWholeFile);
    }
    return c;
  }
  if (first < file.size() && file[first] == '<') return {"XAdES", sign::xades_verify(file, anchors)};
  std::optional<Bytes> data;
  if (!data_path.empty()) data = read_all(data_path);
  return {"CAdES", sign::cades_verify(file, data, anchors)};
}

int cmd_verify(const Options& o, const VerifyArgs& a) {
  Bytes file = read_all(a.file);
  Report r;
  try {
    SignatureCheck check = verify_signature(file, a.data, a.ca);
    r = from_cades(check.v, check.format);
  } catch (const Failure&) {
    throw;
  } catch (const std::exception& e) {
    throw Failure(kBadSignatureFile, msg(M::ErrNotASignature, e.what()));
  }
  int code = verdict_code(r);
  std::optional<CertSummary> c;
  if (!r.signer.empty()) {
    try {
      c = summarise_certificate(r.signer);
    } catch (const std::exception&) {
    }
  }
  const char* chain_word = r.chain == sign::ChainResult::Trusted ? "trusted"
                           : r.chain == sign::ChainResult::Untrusted ? "untrusted" : "not_checked";
  if (o.json) {
    nlohmann::json j{{"format", r.format}, {"signature_valid", r.valid}, {"chain", chain_word},
                     {"verdict", code == kOk ? "valid" : code == kSignatureInvalid ? "invalid" : code == kTimestampInvalid ? "timestamp_invalid" : chain_word},
                     {"exit_code", code}};
    if (!r.error.empty()) j["error"] = r.error;
    if (!r.chain_error.empty()) j["chain_error"] = r.chain_error;
    if (r.signing_time) j["signing_time"] = when(r.signing_time);
    if (r.has_timestamp) {
      j["timestamp"] = {{"valid", r.timestamp_valid}, {"time", when(r.timestamp_time)}};
      if (!r.timestamp_error.empty()) j["timestamp"]["error"] = r.timestamp_error;
    }
    if (c) j["signer"] = {{"holder", c->holder}, {"organization", c->organization}, {"national_id", c->national_id},
                          {"kind", kind_json(c->kind)}, {"issuer", c->issuer}, {"serial", c->serial},
                          {"not_before", iso_date(c->not_before)}, {"not_after", iso_date(c->not_after)}};
    std::cout << json_text(j) << "\n";
    return code;
  }
  std::cout << msg(M::LblFormat) << ": " << r.format << "\n"
            << msg(M::LblSignature) << ": " << msg(r.valid ? M::WordValid : M::WordInvalid);
  if (!r.error.empty()) std::cout << " (" << r.error << ")";
  std::cout << "\n";
  if (c) {
    // A seal names the company as holder and as organisation: shown once.
    const bool org = !c->organization.empty() && c->organization != c->holder;
    std::cout << msg(M::LblSigner) << ": " << c->holder << (org ? " / " + c->organization : "") << "\n";
    if (!c->national_id.empty())
      std::cout << (c->kind == CertKind::Seal ? msg(M::LblTaxNo) : msg(M::LblTcNo)) << ": " << c->national_id << "\n";
    std::cout << msg(M::LblIssuer) << ": " << c->issuer << "\n"
              << msg(M::LblCertValidity) << ": " << iso_date(c->not_before) << " - " << iso_date(c->not_after) << "\n";
  }
  std::cout << msg(M::LblSigningTime) << ": " << when(r.signing_time) << " " << msg(M::ClaimedBySigner) << "\n";
  if (r.has_timestamp) {
    std::cout << msg(M::LblTimestamp) << ": " << when(r.timestamp_time) << " "
              << msg(r.timestamp_valid ? M::WordValid : M::WordInvalid);
    if (!r.timestamp_error.empty()) std::cout << " (" << r.timestamp_error << ")";
    std::cout << "\n";
  }
  std::cout << msg(M::LblChain) << ": "
            << (r.chain == sign::ChainResult::Trusted ? msg(M::ChainTrusted)
                : r.chain == sign::ChainResult::Untrusted ? msg(M::ChainUntrusted, r.chain_error)
                : msg(M::ChainNotChecked)) << "\n"
            << msg(M::LblVerdict) << ": " << verdict_text(code) << "\n";
  return code;
}

}  // namespace akis::cli
