// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis eonay CODE`: the E-Onay of the unlock service's portal, signed on the card (CAdES-BES).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli.hpp"

namespace akis::cli {

struct EonayCommand {
  CLI::App* cmd = nullptr;
  std::string code;
  std::string server = "https://127.0.0.1:8443";
  std::string ca_file;
};

void add_eonay_command(CLI::App& app, Options& o, EonayCommand& c);
// The exit code when `akis eonay` was given, nullopt otherwise.
std::optional<int> run_eonay_command(const Options& o, const EonayCommand& c);

}  // namespace akis::cli
