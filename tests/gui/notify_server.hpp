// SPDX-License-Identifier: LGPL-2.1-or-later
// A desktop notification server for the test: org.freedesktop.Notifications on a private session bus
// (a dbus-daemon the test starts), recording every Notify call it receives.
#pragma once

#include <QDBusConnection>
#include <QObject>
#include <QStringList>
#include <QVariantMap>

class NotifyServer : public QObject {
  Q_OBJECT
  Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
 public:
  struct Received {
    QString app, summary, body;
  };
  QList<Received> received;

 public slots:
  uint Notify(const QString& app, uint, const QString&, const QString& summary, const QString& body,
              const QStringList&, const QVariantMap&, int) {
    received.push_back({app, summary, body});
    return static_cast<uint>(received.size());
  }
  QStringList GetCapabilities() { return {"body"}; }
};
