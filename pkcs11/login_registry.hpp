// The card's security state is shared by every process using the card: a LOGOUT from one process logs
// all of them out, possibly between another's VERIFY and its signature. The registry records which
// processes are logged in to a card (one file per PID under the user's runtime directory, keyed by the
// card serial) so that the card is logged out only when the last of them logs out.
//
// Race-free use: enter() before the VERIFY transaction; leave() and the LOGOUT inside one PC/SC transaction.
#pragma once

#include "akis/bytes.hpp"

namespace akis::p11::login_registry {

void enter(ByteView card_serial);
// Removes this process; true when no other live process is still logged in to the card.
bool leave_is_last(ByteView card_serial);

}  // namespace akis::p11::login_registry
