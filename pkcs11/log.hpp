// Module logging: off by default; AKIS_PKCS11_LOG=error|info|debug or `log_level` in the config file.
// Goes to stderr or to AKIS_PKCS11_LOG_FILE. Secrets are never passed to it.
#pragma once

#include <iosfwd>
#include <map>
#include <string>

namespace akis::p11::log {

enum class Level { Off = 0, Error = 1, Info = 2, Debug = 3 };
void configure();  // reads the environment and the config file; called by C_Initialize
Level level();
// The configuration file's settings: "key = value" lines, '#' comments; the last value of a key wins.
std::map<std::string, std::string> parse_config(std::istream& in);
// The configuration file's settings, read now (AKIS_PKCS11_CONF or /etc/akis/pkcs11.conf; none when missing).
std::map<std::string, std::string> read_settings();
void error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace akis::p11::log
