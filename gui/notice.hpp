// SPDX-License-Identifier: LGPL-2.1-or-later
// The expiry notice: which cards and certificates deserve a desktop notification (a certificate with fewer
// than kWarnDays left, expired or not yet valid; a blocked PIN, with the way out), and sending it to the
// desktop's notification server (org.freedesktop.Notifications on the session bus).
#pragma once

#include <QString>
#include <string>
#include <vector>

#include "card_service.hpp"

namespace akis::gui {

// One line per reason, in the user's language; empty when nothing needs the holder's attention.
std::vector<std::string> notice_lines(const CardReport& r);

// Sends Notify asynchronously (never blocks the window); false when no session bus is there.
bool send_notification(const QString& summary, const QString& body);

}  // namespace akis::gui
