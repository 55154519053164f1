// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis sign` and `akis verify` (issue 15): registered on the command line by add_sign_commands, run by
// run_sign_commands; the work is done by the signing library in sign/.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "akis/sign/cades.hpp"
#include "cli.hpp"

namespace akis::sign {
struct TokenError;
struct TokenCert;
}

namespace akis::cli {

struct SignArgs {
  std::string format;  // cades, pades, xades; empty: by the file's type
  bool detached = false;
  std::string cert;    // hex CKA_ID or label
  std::string tsa;
  std::string out;
  std::string visible;  // PAGE,X,Y,W,H for a visible PAdES signature
  std::string file;
};
struct VerifyArgs {
  std::string file;
  std::string data;
  std::vector<std::string> ca;
};
struct SignCommands {
  CLI::App* sign = nullptr;
  CLI::App* verify = nullptr;
  SignArgs s;
  VerifyArgs v;
};

void add_sign_commands(CLI::App& app, Options& o, SignCommands& c);
// The exit code when one of the two commands was given, nullopt otherwise.
std::optional<int> run_sign_commands(const Options& o, const SignCommands& c);

int cmd_sign(const Options& o, const SignArgs& a);

// `akis sign`'s rules, in one place for akis and akis-gui. The format without --format: "pades" for a .pdf,
// "xades" for a .xml or XML content (unless detached), "cades" otherwise.
std::string default_sign_format(const std::string& file, ByteView input, bool detached);
// The output without -o: FILE.imz / FILE.p7s (CAdES), FILE without its extension + .signed.pdf / .signed.xml.
std::string default_sign_output(const std::string& file, const std::string& format, bool detached);
// The text of a visible PAdES box: the signer and the local date and time.
std::vector<std::string> stamp_lines(const sign::TokenCert& cert);

// `akis verify`'s reading of a signature file by its content: a PDF is PAdES (invalid when the signature does not
// cover the whole file), XML is XAdES, anything else CAdES (`data_path`: the document of a detached signature).
// Throws cli::Failure when data_path cannot be read, std::exception when `file` is not a signature.
struct SignatureCheck {
  std::string format;  // PAdES, XAdES, CAdES
  sign::Verification v;
};
SignatureCheck verify_signature(ByteView file, const std::string& data_path, const std::vector<std::string>& anchors);
int cmd_verify(const Options& o, const VerifyArgs& a);

// The signing library's token errors in akis's words and exit codes (throws cli::Failure); also used by
// `akis eonay` and akis-gui.
[[noreturn]] void fail_token(const sign::TokenError& e);

}  // namespace akis::cli
