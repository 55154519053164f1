// SPDX-License-Identifier: LGPL-2.1-or-later
// The command line of `akis` around CLI11: help and parser errors in the user's language, global options
// accepted after the subcommand, unknown commands named as such, --version, and errors as JSON for --json.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli.hpp"

namespace akis::cli {

// Call after every option and subcommand is added: translates the help texts (Turkish mode), sets the help
// formatter's labels, the failure message, --version, and lets each subcommand take the global options.
void localise(CLI::App& app);
// Parses; on --help, --version or an error prints what CLI11 or we have to say and returns the exit code.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);
// Prints a command's failure (stderr; with --json also {"error": ..., "exit_code": ...} on stdout).
int report_failure(const Options& o, int code, const std::string& message);
// The description of a help text in the user's language (the English text when no translation is known).
std::string help_text(const std::string& english);

}  // namespace akis::cli
