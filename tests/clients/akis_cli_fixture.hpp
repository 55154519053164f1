// SPDX-License-Identifier: LGPL-2.1-or-later
// The `akis` command through real pcscd and the virtual card: runs it with a locale and PIN lines.
#pragma once

#include <string>

#include "akis/profile.hpp"
#include "host_env.hpp"
#include "pcsc_fixture.hpp"

namespace akis::test {

inline const std::string kAkis = AKIS_CLI_BIN;

class AkisCli : public PcscTest {
 protected:
  struct Result {
    int rc;
    std::string out;
  };
  // Runs akis with the given locale; `secrets` go to --pin-fd 0, one per line.
  Result akis(const std::string& args, const std::string& lang = "C.UTF-8", const std::string& secrets = "") {
    std::string cmd = "LANG=" + lang + " LANGUAGE= LC_ALL= ";
    if (!secrets.empty()) cmd = "printf '" + secrets + "' | " + cmd + kAkis + " --pin-fd 0 " + args;
    else cmd += kAkis + " " + args + " </dev/null";
    Result r;
    r.rc = run_command(cmd, r.out);
    return r;
  }
  static vcard::PinObject pin_of(const std::string& state, std::uint8_t ref) { return *vcard::load(state).pin(ref); }
  static bool has(const std::string& out, const std::string& s) { return out.find(s) != std::string::npos; }
};

}  // namespace akis::test
