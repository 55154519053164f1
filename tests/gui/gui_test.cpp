// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-gui against the virtual card through the real pcscd (tests/support), offscreen: the card appears and
// disappears with the reader monitor, PIN change / wrong PIN / last try / PUK unblock go through the dialogs
// and the card's state file proves each effect; the blocked-PIN notice arrives at a notification server on a
// private session bus. Saves screenshots of each screen in the run's language to docs/screenshots/. The
// fixture is gui_test.hpp; the sign dialog's cases, in the same run, are in sign_dialog_test.cpp.
#include <QApplication>
#include <QDBusConnection>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QTableWidget>
#include <QTimer>
#include <fstream>
#include <thread>

#include "app.hpp"
#include "gui_test.hpp"
#include "notice.hpp"
#include "tray.hpp"

using namespace akis;
using namespace akis::gui;
using akis::cli::M;
using akis::cli::msg;

using namespace gui_test;

PinDialog* GuiTest::dialog(PinDialog::Mode mode) {
  auto* d = window_->open_pin_dialog(mode);
  if (d && !QTest::qWaitForWindowExposed(d)) return nullptr;
  return d;
}
// Types into the dialog's three fields (the first with the on-screen keypad) and presses OK.
void GuiTest::fill(PinDialog* d, const std::string& a, const std::string& b, const std::string& c) {
  auto* first = d->findChild<QLineEdit*>("currentPin");
  if (!first) first = d->findChild<QLineEdit*>("puk");
  first->setFocus();
  QVERIFY(keypad_type(d, a));
  QTest::keyClicks(d->findChild<QLineEdit*>("newPin"), q(b));
  QTest::keyClicks(d->findChild<QLineEdit*>("newPinAgain"), q(c));
  d->findChild<QPushButton*>("ok")->click();
}
QString GuiTest::pin_label() { return window_->findChild<QLabel*>("pinTries")->text(); }

void GuiTest::initTestCase() {
  // The private session bus comes first: Qt reads DBUS_SESSION_BUS_ADDRESS when it first connects.
  const std::string log = test::temp_dir() + "/dbus.log";
  bus_ = std::make_unique<test::Process>(
      std::vector<std::string>{"dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"}, log);
  std::string address;
  for (int i = 0; i < 100 && address.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::ifstream in(log);
    std::getline(in, address);
  }
  QVERIFY2(!address.empty(), "dbus-daemon printed no address");
  qputenv("DBUS_SESSION_BUS_ADDRESS", QByteArray::fromStdString(address));
  auto server_bus = QDBusConnection::connectToBus(q(address), "notification-server");
  QVERIFY(server_bus.registerService("org.freedesktop.Notifications"));
  QVERIFY(server_bus.registerObject("/org/freedesktop/Notifications", &server_, QDBusConnection::ExportAllSlots));

  pcscd_ = std::make_unique<test::Pcscd>(test::temp_dir());
  window_ = std::make_unique<MainWindow>();
  window_->show();
  QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
  // The window's own words follow the same language as the card messages (the .qm from lrelease).
  QCOMPARE(window_->windowTitle() == "AKİS card manager", !cli::turkish());
  QVERIFY(!window_->tray());  // no tray under offscreen: the notification is the notice (tray_test.cpp: a tray)
}

void GuiTest::noticeLogic() {  // which certificates and cards trigger the notice
  CardReport r;
  auto cert = [](long days, const char* status) {
    CertRow c;
    c.label = "c";
    c.days_left = days;
    c.status = status;
    c.warn = *status != 0;
    return c;
  };
  r.certs = {cert(400, "")};
  QVERIFY(notice_lines(r).empty());
  r.certs.push_back(cert(29, "expires"));
  r.certs.push_back(cert(-2, "expired"));
  QCOMPARE(notice_lines(r).size(), std::size_t(2));
  r.pin_status.blocked = true;
  QCOMPARE(notice_lines(r).size(), std::size_t(3));
  QVERIFY(q(notice_lines(r)[0]).contains(q(msg(M::HintUnblockOnline))));  // no PUK: the online way out
}

void GuiTest::cardAppearsOnInsert() {
  QTRY_VERIFY(!window_->reader_list()->findItems(q(reader_), Qt::MatchStartsWith).isEmpty());
  shot(window_.get(), "no-card");
  const std::string path = test::temp_dir() + "/gui-card.json";
  vcard::save_atomically(test::card_state(test::Variant::Pre2011), path);
  state_ = path;
  card_ = std::make_unique<test::VirtualCardProcess>(path, 35963);
  QTRY_VERIFY_WITH_TIMEOUT(card_shown(), 15000);
  const CardReport& r = window_->reports().at(reader_);
  QVERIFY(!r.holder.empty());
  QCOMPARE(q(r.serial), q(to_hex(vcard::load(state_).serial)));
  QCOMPARE(window_->findChild<QLabel*>("holder")->text(), q(r.holder));
  QCOMPARE(window_->findChild<QLabel*>("nationalId")->text(), q(r.national_id));
  QCOMPARE(pin_label(), q(msg(M::TriesLeft, 3, 3)));
  QVERIFY(window_->certificate_table()->rowCount() > 0);
  QCOMPARE(window_->certificate_table()->item(0, 3)->text().toLong(), r.certs[0].days_left);
  shot(window_.get(), "card");
  // Export: an independent tool reads the file as the card's certificate.
  const std::string pem = test::temp_dir() + "/exported.pem";
  QCOMPARE(q(export_certificate(r.certs[0].der, pem)), QString());
  std::string out;
  QCOMPARE(test::run_command("openssl x509 -in " + pem + " -noout -serial", out), 0);
  QVERIFY2(q(out).contains(q(r.certs[0].summary.serial), Qt::CaseInsensitive), out.c_str());
  // The names and Tab order of every control: card_view_test.cpp.
  QCOMPARE(window_->findChild<QLabel*>("nationalId")->accessibleName(), q(msg(M::LblTcNo)));
  window_->open_details();
  auto* details = window_->findChild<QDialog*>("certificateDetails");
  QVERIFY(details);
  QVERIFY(details->findChild<QPlainTextEdit*>()->toPlainText().contains(q(r.certs[0].summary.serial)));
  shot(details, "certificate-details");
  QPointer<QDialog> open_details(details);
  details->findChild<QPushButton*>("close")->click();
  QTRY_VERIFY(open_details.isNull() || !details->isVisible());
}

// The sign dialog's cases (verifyDialog, signXmlInvoice, signVisiblePdf): sign_dialog_test.cpp.

void GuiTest::policyCheckedBeforeTheCard() {
  auto* d = dialog(PinDialog::Change);
  QVERIFY(d);
  shot(d, "pin-change");
  const PinInfo& pin = window_->reports().at(reader_).pin;
  fill(d, text(pin_of(state_, 0x81)), "12", "12");
  QCOMPARE(d->message(), q(msg(M::ErrPinPolicy, pin.min_length, pin.max_length)));
  fill(d, text(pin_of(state_, 0x81)), "24682468", "24682460");
  QCOMPARE(d->message(), q(msg(M::ErrPinMismatch)));
  QCOMPARE(pin_of(state_, 0x81).tries_left, 3);  // nothing reached the card
  QPointer<PinDialog> alive(d);
  d->findChild<QPushButton*>("cancel")->click();
  QTRY_VERIFY(alive.isNull() || !d->isVisible());
}

void GuiTest::wrongPinShowsTriesLeftThenChange() {
  const std::string old_pin = text(pin_of(state_, 0x81));
  auto* d = dialog(PinDialog::Change);
  fill(d, "000000", "24682468", "24682468");
  QTRY_COMPARE(d->message(), q(msg(M::WrongPin, 2)));
  QCOMPARE(pin_of(state_, 0x81).tries_left, 2);
  QPointer<PinDialog> alive(d);
  fill(d, old_pin, "24682468", "24682468");
  QTRY_VERIFY_WITH_TIMEOUT(alive.isNull() || !d->isVisible(), 10000);
  QCOMPARE(q(text(pin_of(state_, 0x81))), QString("24682468"));
  QCOMPARE(pin_of(state_, 0x81).tries_left, 3);
  // The window reads the card again: the change left the PIN verified in this card session.
  QTRY_VERIFY(pin_label() == q(msg(M::Verified)) || pin_label() == q(msg(M::TriesLeft, 3, 3)));
}

void GuiTest::lastTryIsConfirmedThenBlockedNotice() {
  auto* d = dialog(PinDialog::Change);
  fill(d, "000000", "13571357", "13571357");
  QTRY_COMPARE(d->message(), q(msg(M::WrongPin, 2)));
  fill(d, "000000", "13571357", "13571357");
  QTRY_COMPARE(d->message(), q(msg(M::WrongPinOne, 1)));
  bool asked = false;
  int tries_when_asked = -1;
  QTimer poll;  // the confirmation appears before the last try is spent: answer it when it shows
  connect(&poll, &QTimer::timeout, this, [&] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) return;
    poll.stop();
    asked = box->text().contains(q(msg(M::LastTryQuestion)));
    tries_when_asked = pin_of(state_, 0x81).tries_left;
    box->button(QMessageBox::Yes)->click();
  });
  poll.start(50);
  fill(d, "000000", "13571357", "13571357");
  QTRY_VERIFY(d->message().startsWith(q(msg(M::PinNowBlocked))));
  QVERIFY(asked);
  QCOMPARE(tries_when_asked, 1);
  QCOMPARE(pin_of(state_, 0x81).tries_left, 0);
  d->reject();  // the window reads the card again: the PIN is blocked
  QTRY_COMPARE(pin_label(), q(msg(M::Blocked)));
  QTRY_VERIFY_WITH_TIMEOUT(!server_.received.isEmpty(), 5000);
  QCOMPARE(server_.received.back().app, QString("akis-gui"));
  QVERIFY(server_.received.back().body.contains(q(msg(M::PinIsBlocked))));
  QVERIFY(server_.received.back().body.contains(q(msg(M::HintUnblockPuk))));
  shot(window_.get(), "pin-blocked");
}

void GuiTest::unblockWithPuk() {
  auto* d = dialog(PinDialog::Unblock);
  QVERIFY(d);
  shot(d, "pin-unblock");
  QPointer<PinDialog> alive(d);
  fill(d, text(pin_of(state_, 0x82)), "97531975", "97531975");
  QTRY_VERIFY_WITH_TIMEOUT(alive.isNull() || !d->isVisible(), 10000);
  QCOMPARE(q(text(pin_of(state_, 0x81))), QString("97531975"));
  QCOMPARE(pin_of(state_, 0x81).tries_left, 3);
  QTRY_COMPARE(pin_label(), q(msg(M::TriesLeft, 3, 3)));
}

// A post-2011 card whose certificate has 20 days left, in the second reader: the row in the warning
// colour, the notice on the bus, and the online way out instead of a PUK.
void GuiTest::expiringCertificateWarns() {
  auto opts = test::options_for(test::Variant::Post2011);
  opts.valid_days = 20;
  const std::string path = test::temp_dir() + "/gui-expiring.json";
  vcard::save_atomically(vcard::personalise(opts), path);
  test::VirtualCardProcess second(path, 35964);
  const std::string reader = test::Pcscd::kReader1;
  QTRY_VERIFY_WITH_TIMEOUT(window_->reports().count(reader) > 0, 15000);
  const CardReport& r = window_->reports().at(reader);
  QVERIFY(!r.puk);
  QVERIFY(!r.certs.empty());
  QVERIFY(r.certs[0].days_left >= 18 && r.certs[0].days_left <= 20);
  QVERIFY(r.certs[0].warn);
  QTRY_VERIFY(!server_.received.isEmpty() &&
              server_.received.back().body.contains(q(msg(M::WarnExpiresSoon, r.certs[0].days_left))));
  auto items = window_->reader_list()->findItems(q(reader), Qt::MatchStartsWith);
  QVERIFY(!items.isEmpty());
  window_->reader_list()->setCurrentItem(items[0]);
  QCOMPARE(window_->certificate_table()->item(0, 3)->background().color(), QColor("#ffd8a8"));
  QVERIFY(!window_->findChild<QPushButton*>("unblockPin")->isEnabled());
  QCOMPARE(window_->findChild<QLabel*>("pukTries")->text(), q(msg(M::UnblockOnline)));
  window_->certificate_table()->clearSelection();  // the warning colour, not the selection colour
  shot(window_.get(), "expiring");
  window_->reader_list()->setCurrentRow(0);
}

void GuiTest::cardDisappearsOnPull() {
  card_->remove();
  QTRY_VERIFY_WITH_TIMEOUT(!card_shown(), 10000);
  QCOMPARE(window_->findChild<QLabel*>("holder")->text(), QString());
}

void GuiTest::cleanupTestCase() {
  window_.reset();
  card_.reset();
  pcscd_.reset();
}

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QApplication::setFont(QFont("DejaVu Sans", 10));
  if (!install_translation(app) && cli::turkish()) return 2;
  GuiTest t;
  return QTest::qExec(&t, argc, argv);
}

