// SPDX-License-Identifier: LGPL-2.1-or-later
// APDU trace: the first thing a user with a real card sends us. Secrets (PIN, PUK, their lengths, deciphered
// data) are always redacted. Card content (READ BINARY / READ RECORD / GET DATA answers, written data: the holder's
// name, T.C. Kimlik No, serial, certificates) becomes "<N bytes #keyed-hash>" (akis/redact.hpp) unless the holder
// asks for raw data for their own use (AKIS_APDU_TRACE_PERSONAL=yes, or set_personal(true)).
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
// Installs a sink for `where`: "stderr" (or "1"), or a file appended to; empty: no change.
void configure_target(const std::string& where);
bool enabled();
// Raw card content in the trace (the holder's own use). Default: AKIS_APDU_TRACE_PERSONAL=yes, else off.
void set_personal(bool raw);
bool personal();

// "-> 00 20 00 81 <redacted>" / "<- <120 bytes #0123456789abcdef> 90 00" / "<- 90 00"
std::string format_command(const std::string& reader, const Command& c, ByteView encoded);
std::string format_response(const std::string& reader, const Command& c, const Response& r);
void command(const std::string& reader, const Command& c, ByteView encoded);
void response(const std::string& reader, const Command& c, const Response& r);
// The module's recording (docs/field-evidence.md): each card's session written to `path` (a second card to
// "path.2", ...) in the recording format (akis/recording.hpp), which tests/field and the replay transport play
// back. Sanitised (akis/sanitise.hpp: synthetic personal fields, certificates re-issued by a test key) unless
// personal(); PIN commands by their header only, deciphered data never. The file is rewritten after every
// answer, so it is whole whenever the program stops; another process with the same setting replaces it, unless
// the path holds "%p" (replaced by the process id). Empty: recording off. Thread safe.
void configure_record(const std::string& path);
// While one lives on a thread, nothing that thread sends is traced or recorded (the sanitiser's own replays).
class Mute {
 public:
  Mute();
  ~Mute();
  Mute(const Mute&) = delete;
  Mute& operator=(const Mute&) = delete;
};

// A remark of the card layer between the APDUs ("# skipped PrKDF object: ..."): what it adapted to and why.
void note(const std::string& line);

}  // namespace akis::trace
