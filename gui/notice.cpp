// SPDX-License-Identifier: LGPL-2.1-or-later
#include "notice.hpp"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QStringList>
#include <QVariantMap>

#include "messages.hpp"

namespace akis::gui {

using cli::M;
using cli::msg;

std::vector<std::string> notice_lines(const CardReport& r) {
  std::vector<std::string> out;
  if (r.pin_status.blocked)
    out.push_back(msg(M::PinIsBlocked) + " " + msg(r.puk ? M::HintUnblockPuk : M::HintUnblockOnline));
  for (auto& c : r.certs)
    if (c.warn) out.push_back(c.label + ": " + c.status);
  return out;
}

bool send_notification(const QString& summary, const QString& body) {
  QDBusConnection bus = QDBusConnection::sessionBus();
  if (!bus.isConnected()) return false;
  QDBusMessage m = QDBusMessage::createMethodCall("org.freedesktop.Notifications", "/org/freedesktop/Notifications",
                                                  "org.freedesktop.Notifications", "Notify");
  m << QString("akis-gui") << 0u << QString("akis-gui") << summary << body << QStringList() << QVariantMap()
    << -1;
  return bus.send(m);
}

}  // namespace akis::gui
