// SPDX-License-Identifier: LGPL-2.1-or-later
// Module logging: off by default; AKIS_PKCS11_LOG=error|info|debug or `log_level` in the config file.
// Goes to stderr or to AKIS_PKCS11_LOG_FILE. Secrets are never passed to it.
#pragma once

#include <iosfwd>
#include <map>
#include <string>

namespace akis::p11::log {

enum class Level { Off = 0, Error = 1, Info = 2, Debug = 3 };

// The module's configuration, parsed in one place (this module) and handed around as a value. The file is
// AKIS_PKCS11_CONF or /etc/akis/pkcs11.conf; the environment (AKIS_PKCS11_LOG, AKIS_PKCS11_LOG_FILE,
// AKIS_APDU_TRACE, AKIS_APDU_TRACE_PERSONAL, AKIS_APDU_RECORD) wins over it.
struct Settings {
  Level level = Level::Off;
  std::string log_file;
  std::string apdu_trace;             // "stderr" or a file
  bool apdu_trace_personal = false;   // raw card content in the trace: the holder's own use only
  std::string apdu_record;            // each card's session as a recording (akis/trace.hpp configure_record)
  // C_CreateObject / C_SetAttributeValue / C_DestroyObject may change the card (certificates and data objects):
  // `allow_card_writes = yes`; `allow_certificate_writes`, its name before data objects, is read when the new
  // key is absent.
  bool allow_card_writes = false;
  // The cross-process cache of public content (public_cache.hpp): on unless `public_cache = no` or
  // AKIS_PKCS11_PUBLIC_CACHE=no (the environment wins over the file; docs/performance.md).
  bool public_cache = true;
};
Settings settings_from(const std::map<std::string, std::string>& file, bool with_environment);
// Reads the file and the environment now, and makes the result the one settings() answers; sets up the log
// and the APDU trace from it. Called by C_Initialize.
void configure();
// The settings the last configure() read (defaults before that).
Settings settings();
Level level();
// The configuration file's lines: "key = value", '#' comments; the last value of a key wins.
std::map<std::string, std::string> parse_config(std::istream& in);
void error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace akis::p11::log
