// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-gui's tray icon where a desktop offers a tray: under the xcb platform on Xvfb, with a StatusNotifierItem
// host (org.kde.StatusNotifierWatcher, the test's own) on a private session bus, Qt's tray icon registers a
// StatusNotifierItem; the test reads its tooltip over D-Bus (no card needs attention, then the blocked PIN of a
// post-2011 card with the online way out) and activates it to bring the hidden window back.
#include <QApplication>
#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusVariant>
#include <QThread>
#include <QtTest>
#include <cstdio>
#include <fstream>
#include <thread>

#include "app.hpp"
#include "cards.hpp"
#include "main_window.hpp"
#include "messages.hpp"
#include "processes.hpp"
#include "tray.hpp"

using namespace akis;
using namespace akis::gui;
using akis::cli::M;
using akis::cli::msg;

// The tray host's watcher. It lives on its own thread: Qt asks it synchronously from the UI thread.
class Watcher : public QObject {
  Q_OBJECT
  Q_CLASSINFO("D-Bus Interface", "org.kde.StatusNotifierWatcher")
  Q_PROPERTY(bool IsStatusNotifierHostRegistered READ host_registered)
  Q_PROPERTY(int ProtocolVersion READ protocol)
  Q_PROPERTY(QStringList RegisteredStatusNotifierItems READ items)
 public:
  bool host_registered() const { return true; }
  int protocol() const { return 0; }
  QStringList items() const {
    QMutexLocker l(&mutex_);
    return items_;
  }
 public slots:
  void RegisterStatusNotifierItem(const QString& service) {
    QMutexLocker l(&mutex_);
    items_ << service;
  }
  void RegisterStatusNotifierHost(const QString&) {}

 private:
  mutable QMutex mutex_;
  QStringList items_;
};

namespace {
std::string read_line(const std::string& path) {
  std::string line;
  for (int i = 0; i < 100 && line.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(path);
    std::getline(in, line);
  }
  return line;
}
}  // namespace

class TrayTest : public QObject {
  Q_OBJECT
  std::unique_ptr<test::Pcscd> pcscd_;
  std::unique_ptr<test::VirtualCardProcess> card_;
  std::unique_ptr<MainWindow> window_;
  Watcher* watcher_ = nullptr;
  QThread watcher_thread_;

  // The StatusNotifierItem's tooltip, read over D-Bus from the service the tray registered (the item lives on
  // this thread: the call runs the event loop while it waits).
  QString dbus_tooltip() {
    const QStringList items = watcher_->items();
    if (items.isEmpty()) return {};
    QString service = items.back().section('/', 0, 0);
    auto m = QDBusMessage::createMethodCall(service, "/StatusNotifierItem", "org.freedesktop.DBus.Properties", "Get");
    m << QString("org.kde.StatusNotifierItem") << QString("ToolTip");
    QDBusMessage reply = QDBusConnection::connectToBus(QDBusConnection::SessionBus, "probe").call(m, QDBus::BlockWithGui, 5000);
    if (reply.type() != QDBusMessage::ReplyMessage) return {};
    const QDBusArgument arg = reply.arguments().at(0).value<QDBusVariant>().variant().value<QDBusArgument>();
    QString icon, title, text;  // (s a(iiay) s s): icon name, pixmaps, title, text
    arg.beginStructure();
    arg >> icon;
    arg.beginArray();
    while (!arg.atEnd()) {
      int w = 0, h = 0;
      QByteArray data;
      arg.beginStructure();
      arg >> w >> h >> data;
      arg.endStructure();
    }
    arg.endArray();
    arg >> title >> text;
    arg.endStructure();
    return title + text;
  }

 private slots:
  void initTestCase() {
    watcher_ = new Watcher;
    watcher_->moveToThread(&watcher_thread_);
    watcher_thread_.start();
    auto bus = QDBusConnection::connectToBus(QDBusConnection::SessionBus, "tray-host");
    QVERIFY(bus.registerService("org.kde.StatusNotifierWatcher"));
    QVERIFY(bus.registerObject("/StatusNotifierWatcher", watcher_,
                               QDBusConnection::ExportAllSlots | QDBusConnection::ExportAllProperties));
    pcscd_ = std::make_unique<test::Pcscd>(test::temp_dir());
    window_ = std::make_unique<MainWindow>();
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  }

  void trayRegistersAndSaysNothingIsWrong() {
    QVERIFY2(window_->tray(), "no tray icon although a StatusNotifierItem host is registered");
    QTRY_VERIFY_WITH_TIMEOUT(!watcher_->items().isEmpty(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(dbus_tooltip().contains(Tray::tr("No card needs attention.")), 5000);
    QVERIFY(!window_->tray()->warning());
  }

  void blockedCardIsInTheTooltip() {
    vcard::CardState state = test::card_state(test::Variant::Post2011);
    state.pin(0x81)->tries_left = 0;  // blocked
    const std::string path = test::temp_dir() + "/tray-card.json";
    vcard::save_atomically(state, path);
    card_ = std::make_unique<test::VirtualCardProcess>(path, 35963);
    QTRY_VERIFY_WITH_TIMEOUT(window_->reports().count(test::Pcscd::kReader0) > 0, 15000);
    const CardReport& r = window_->reports().at(test::Pcscd::kReader0);
    QVERIFY(r.pin_status.blocked);
    QTRY_VERIFY_WITH_TIMEOUT(dbus_tooltip().contains(QString::fromStdString(msg(M::PinIsBlocked))), 5000);
    const QString tip = dbus_tooltip();
    QVERIFY2(tip.contains(QString::fromStdString(r.holder)), qPrintable(tip));
    QVERIFY2(tip.contains(QString::fromStdString(msg(M::HintUnblockOnline))), qPrintable(tip));
    QVERIFY(window_->tray()->warning());
    card_->remove();
    QTRY_VERIFY_WITH_TIMEOUT(dbus_tooltip().contains(Tray::tr("No card needs attention.")), 10000);
  }

  void activatingTheTrayShowsTheWindow() {
    window_->hide();
    QVERIFY(!window_->isVisible());
    QString service = watcher_->items().back().section('/', 0, 0);
    auto m = QDBusMessage::createMethodCall(service, "/StatusNotifierItem", "org.kde.StatusNotifierItem", "Activate");
    m << 0 << 0;
    QVERIFY(QDBusConnection::connectToBus(QDBusConnection::SessionBus, "probe").send(m));
    QTRY_VERIFY_WITH_TIMEOUT(window_->isVisible(), 5000);
  }

  void cleanupTestCase() {
    window_.reset();
    card_.reset();
    pcscd_.reset();
    QDBusConnection::disconnectFromBus("tray-host");
    watcher_thread_.quit();
    watcher_thread_.wait();
    delete watcher_;
  }
};

int main(int argc, char** argv) {
  // An X server of the test's own (Xvfb picks a free display and prints it), then a private session bus; both
  // before QApplication, which connects to the display.
  const std::string dir = test::temp_dir();
  test::Process x({"Xvfb", "-displayfd", "1", "-nolisten", "tcp", "-screen", "0", "1024x768x24"}, dir + "/xvfb.log");
  const std::string display = read_line(dir + "/xvfb.log");
  if (display.empty()) {
    std::fprintf(stderr, "Xvfb printed no display (is the xvfb package installed? see %s/xvfb.log)\n", dir.c_str());
    return 3;
  }
  qputenv("DISPLAY", QByteArray::fromStdString(":" + display));
  test::Process bus({"dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"}, dir + "/tray-dbus.log");
  const std::string address = read_line(dir + "/tray-dbus.log");
  if (address.empty()) {
    std::fprintf(stderr, "dbus-daemon printed no address\n");
    return 4;
  }
  qputenv("DBUS_SESSION_BUS_ADDRESS", QByteArray::fromStdString(address));
  qputenv("QT_QPA_PLATFORM", "xcb");
  qunsetenv("XDG_CURRENT_DESKTOP");  // Qt's generic theme: the StatusNotifierItem tray
  int rc = 0;
  {
    QApplication app(argc, argv);
    if (!install_translation(app) && cli::turkish()) return 2;
    TrayTest t;
    rc = QTest::qExec(&t, argc, argv);
  }
  return rc;
}

#include "tray_test.moc"
