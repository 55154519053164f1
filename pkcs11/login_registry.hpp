// SPDX-License-Identifier: LGPL-2.1-or-later
// The card's security state is shared by every process using the card: a LOGOUT from one process logs
// all of them out, possibly between another's VERIFY and its signature. The registry records which
// processes are logged in to a card so that the card is logged out only when the last of them logs out.
//
// Where: one directory per card serial under $XDG_RUNTIME_DIR/akis-logins (a private 0700 directory the
// login manager makes for the user), else /tmp/akis-logins-<uid> created 0700 by us. A directory that is
// not ours, not 0700 or a symbolic link is refused: the registry is then unavailable and the module logs
// the card out whenever it logs out (safe, at the price of logging out other processes).
//
// Entries: one file per process, named "<pid>-<start time>" (the start time from /proc/<pid>/stat), so
// a PID reused by another program after ours ended never counts as logged in.
//
// Entries are true only while the card's PIN is verified: a reset or power loss drops every process's
// login at once, and the processes notice only at their next command. So a process that logs in and finds
// the card's PIN not verified (read without spending a try) removes every entry first: they are stale.
// Race-free use: the probe, the clean-up, enter() and the VERIFY in one PC/SC transaction; leave() and
// the LOGOUT in one PC/SC transaction (token.cpp).
#pragma once

#include <string>

#include "akis/bytes.hpp"

namespace akis::p11::login_registry {

// False when no safe directory could be had (see above).
bool available();
void enter(ByteView card_serial);
// Removes this process; true when no other live process is still logged in to the card.
bool leave_is_last(ByteView card_serial);
// Removes every entry of the card (they are stale: the card's PIN is not verified).
void clear(ByteView card_serial);
// For tests and diagnostics: the directory of the card's entries ("" when unavailable).
std::string directory(ByteView card_serial);

}  // namespace akis::p11::login_registry
