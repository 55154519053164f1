// APDU trace: the first thing a user with a real card sends us. Secrets are always redacted.
// Switched on with AKIS_APDU_TRACE=stderr or AKIS_APDU_TRACE=/path/to/file, or in code.
#pragma once

#include <functional>
#include <string>

#include "akis/apdu.hpp"

namespace akis::trace {

using Sink = std::function<void(const std::string& line)>;

// Replaces the sink; an empty sink turns tracing off. Thread safe.
void set_sink(Sink sink);
// Reads AKIS_APDU_TRACE once and installs a sink for it (no-op when unset).
void configure_from_env();
bool enabled();

// "-> 00 20 00 81 06 <redacted 6 bytes>" / "<- 90 00"
std::string format_command(const std::string& reader, const Command& c, ByteView encoded);
std::string format_response(const std::string& reader, const Command& c, const Response& r);
void command(const std::string& reader, const Command& c, ByteView encoded);
void response(const std::string& reader, const Command& c, const Response& r);
// A remark of the card layer between the APDUs ("# skipped PrKDF object: ..."): what it adapted to and why.
void note(const std::string& line);

}  // namespace akis::trace
