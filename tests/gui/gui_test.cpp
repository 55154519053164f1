// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-gui against the virtual card through the real pcscd (tests/support), offscreen: the card appears and
// disappears with the reader monitor, PIN change / wrong PIN / last try / PUK unblock go through the dialogs
// and the card's state file proves each effect; the blocked-PIN notice arrives at a notification server on a
// private session bus. Saves screenshots of each screen in the run's language to docs/screenshots/.
#include <QApplication>
#include <QCheckBox>
#include <QDBusConnection>
#include <QDropEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QFile>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QtTest>
#include <fstream>
#include <thread>

#include "app.hpp"
#include "cards.hpp"
#include "main_window.hpp"
#include "messages.hpp"
#include "notice.hpp"
#include "notify_server.hpp"
#include "pdf_checks.hpp"
#include "processes.hpp"
#include "sign_dialog.hpp"
#include "tray.hpp"

using namespace akis;
using namespace akis::gui;
using akis::cli::M;
using akis::cli::msg;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
vcard::PinObject pin_of(const std::string& state, std::uint8_t ref) { return *vcard::load(state).pin(ref); }
std::string text(const vcard::PinObject& p) { return std::string(p.value.begin(), p.value.end()); }
const char* lang() { return cli::turkish() ? "tr" : "en"; }
void shot(QWidget* w, const char* name) {
  QTest::qWait(50);  // let the layout settle
  w->grab().save(QString("%1/%2-%3.png").arg(AKIS_SCREENSHOT_DIR, name, lang()));
}
// Drags `urls` (and their text, as file managers offer both) onto `target` and drops them, through Qt's own
// dispatch (QApplication::notify hands the enter event up to the widget that accepts it, the drop to that one).
bool drop(QWidget* target, const QList<QUrl>& urls) {
  QMimeData data;
  data.setUrls(urls);
  data.setText(urls.isEmpty() ? QString() : urls[0].toString());
  const QPoint at = target->rect().center();
  QDragEnterEvent enter(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &enter);
  if (!enter.isAccepted()) return false;
  QDropEvent dropped(at, Qt::CopyAction, &data, Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(target, &dropped);
  return dropped.isAccepted();
}
}  // namespace

class GuiTest : public QObject {
  Q_OBJECT
  std::unique_ptr<test::Pcscd> pcscd_;
  std::unique_ptr<test::Process> bus_;
  std::unique_ptr<test::VirtualCardProcess> card_;
  std::unique_ptr<MainWindow> window_;
  NotifyServer server_;
  std::string state_;
  const std::string reader_ = test::Pcscd::kReader0;

  PinDialog* dialog(PinDialog::Mode mode) {
    auto* d = window_->open_pin_dialog(mode);
    if (d && !QTest::qWaitForWindowExposed(d)) return nullptr;
    return d;
  }
  // Types into the dialog's three fields (the first with the on-screen keypad) and presses OK.
  void fill(PinDialog* d, const std::string& a, const std::string& b, const std::string& c) {
    auto* first = d->findChild<QLineEdit*>("currentPin");
    if (!first) first = d->findChild<QLineEdit*>("puk");
    first->setFocus();
    for (char ch : a) d->findChild<QPushButton*>(QString("key") + ch)->click();
    QTest::keyClicks(d->findChild<QLineEdit*>("newPin"), q(b));
    QTest::keyClicks(d->findChild<QLineEdit*>("newPinAgain"), q(c));
    d->findChild<QPushButton*>("ok")->click();
  }
  bool card_shown() { return window_->reports().count(reader_) > 0; }
  QString pin_label() { return window_->findChild<QLabel*>("pinTries")->text(); }

 private slots:
  void initTestCase() {
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

  void noticeLogic() {  // which certificates and cards trigger the notice
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

  void cardAppearsOnInsert() {
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
    details->close();
  }

  // Verify through the dialog a CAdES signature that `akis sign` made on the card (checked by openssl cms too).
  void verifyDialog() {
    const std::string doc = test::temp_dir() + "/belge.txt";
    { std::ofstream(doc) << "imzalanacak belge\n"; }
    std::string out;
    QCOMPARE(test::run_command("AKIS_PIN=" + text(pin_of(state_, 0x81)) + " " AKIS_CLI_BIN " sign " + doc + " 2>&1", out), 0);
    QCOMPARE(test::run_command("openssl cms -verify -noverify -inform DER -in " + doc + ".imz 2>&1", out), 0);
    QVERIFY2(q(out).contains("imzalanacak belge"), out.c_str());
    auto* d = window_->open_sign_dialog();
    QVERIFY(QTest::qWaitForWindowExposed(d));
    // The file arrives by drag and drop onto the document field; before that there is nothing to sign or verify.
    auto* field = d->findChild<QLineEdit*>("file");
    QVERIFY(!d->findChild<QPushButton*>("sign")->isEnabled() && !d->findChild<QPushButton*>("verify")->isEnabled());
    QVERIFY(!drop(field, {QUrl("https://example.org/belge.txt")}));  // not a local file: refused
    QVERIFY(drop(field, {QUrl::fromLocalFile(q(doc + ".imz"))}));
    QCOMPARE(field->text(), q(doc + ".imz"));
    QVERIFY(d->findChild<QPushButton*>("sign")->isEnabled());
    d->findChild<QPushButton*>("verify")->click();
    QTRY_VERIFY(d->verdict().contains(q(window_->reports().at(reader_).holder)));
    QVERIFY(d->verdict().startsWith(QObject::tr("The signature is valid: the document is unchanged.")));
    shot(d, "verify");
    // A changed byte in the signature file: the verdict says so.
    QFile f(q(doc + ".imz"));
    QVERIFY(f.open(QIODevice::ReadWrite));
    QByteArray b = f.readAll();
    const qsizetype at = b.indexOf("imzalanacak");
    QVERIFY(at > 0);
    b[at] = 'I';
    f.seek(0);
    f.write(b);
    f.close();
    d->findChild<QPushButton*>("verify")->click();
    QTRY_VERIFY(!d->verdict().startsWith(QObject::tr("The signature is valid: the document is unchanged.")));
    // Sign in the dialog with the card's PIN: openssl cms finds the document inside and the signature valid.
    std::remove((doc + ".imz").c_str());
    d->set_file(q(doc));
    QTest::keyClicks(d->findChild<QLineEdit*>("pin"), q(text(pin_of(state_, 0x81))));
    d->findChild<QPushButton*>("sign")->click();
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(q(doc + ".imz")), 30000);
    QTRY_VERIFY(!d->verdict().startsWith(QObject::tr("The signature is NOT valid: %1").section('%', 0, 0)));
    QCOMPARE(d->findChild<QLineEdit*>("pin")->text(), QString());  // the PIN does not stay in the field
    QCOMPARE(test::run_command("openssl cms -verify -noverify -inform DER -in " + doc + ".imz 2>&1", out), 0);
    QVERIFY2(q(out).contains("imzalanacak belge"), out.c_str());
    d->close();
  }

  // An e-Fatura signed in the dialog gets XAdES-BES as with `akis sign` (FILE.signed.xml), which the independent
  // xmlsec1 accepts with the card's CA as the only anchor; the dialog's verify says valid, and not after a change.
  void signXmlInvoice() {
    const std::string doc = test::temp_dir() + "/fatura.xml";
    {
      std::ofstream(doc) << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                            "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" "
                            "xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\" "
                            "xmlns:ext=\"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2\">"
                            "<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent/></ext:UBLExtension>"
                            "</ext:UBLExtensions><cbc:ID>ABC2026000000001</cbc:ID>"
                            "<cbc:PayableAmount currencyID=\"TRY\">1180.00</cbc:PayableAmount></Invoice>\n";
    }
    const QString out = q(test::temp_dir() + "/fatura.signed.xml");
    auto* d = window_->open_sign_dialog();
    QVERIFY(QTest::qWaitForWindowExposed(d));
    d->set_file(q(doc));
    QTest::keyClicks(d->findChild<QLineEdit*>("pin"), q(text(pin_of(state_, 0x81))));
    d->findChild<QPushButton*>("sign")->click();
    QTRY_VERIFY_WITH_TIMEOUT(d->verdict().contains(out), 30000);
    const auto xmlsec = [&] {
      std::string o;
      return test::run_command("xmlsec1 --verify --trusted-pem '" + test::ca_cert_path() +
                                   "' --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' '" +
                                   out.toStdString() + "' 2>&1", o);
    };
    QCOMPARE(xmlsec(), 0);
    d->set_file(out);
    d->findChild<QPushButton*>("verify")->click();
    QTRY_VERIFY(d->verdict().startsWith(QObject::tr("The signature is valid: the document is unchanged.")));
    QVERIFY(d->verdict().contains("XAdES"));
    QVERIFY(d->verdict().contains(q(window_->reports().at(reader_).holder)));
    shot(d, "sign-xml");
    QFile f(out);  // the amount changed by one byte
    QVERIFY(f.open(QIODevice::ReadWrite));
    QByteArray b = f.readAll();
    const qsizetype at = b.indexOf("1180.00");
    QVERIFY(at > 0);
    b[at] = '9';
    f.seek(0);
    f.write(b);
    f.close();
    QVERIFY(xmlsec() != 0);
    d->findChild<QPushButton*>("verify")->click();
    QTRY_VERIFY(d->verdict().startsWith(QObject::tr("The signature is NOT valid: %1").section('%', 0, 0)));
    d->close();
  }

  // A PDF with "Visible signature": PAdES (FILE.signed.pdf) that pdfsig accepts, its box drawn at the lower left of
  // page 1 and nowhere else (pdftoppm), and the dialog's verify says valid (PAdES).
  void signVisiblePdf() {
    const std::string pdf = test::temp_dir() + "/dilekce.pdf", out = test::temp_dir() + "/dilekce.signed.pdf";
    test::write_a4_pdf(q(pdf), "Dilekçe 2026");
    auto* d = window_->open_sign_dialog();
    QVERIFY(QTest::qWaitForWindowExposed(d));
    d->set_file(q(pdf));
    d->findChild<QCheckBox*>("visible")->setChecked(true);
    QTest::keyClicks(d->findChild<QLineEdit*>("pin"), q(text(pin_of(state_, 0x81))));
    d->findChild<QPushButton*>("sign")->click();
    QTRY_VERIFY_WITH_TIMEOUT(d->verdict().contains(q(out)), 30000);
    std::string o;
    test::run_command("pdfsig '" + out + "' 2>&1", o);
    QVERIFY2(o.find("Signature Validation: Signature is Valid.") != std::string::npos, o.c_str());
    auto before = test::render_first_page(pdf, test::temp_dir() + "/before"),
         after = test::render_first_page(out, test::temp_dir() + "/after");
    QVERIFY(before.w > 0 && before.w == after.w && before.h == after.h);
    // The 220 x 50 pt box at 36,36 pt in pixels (y from the top), one pixel of slack for anti-aliasing.
    const int x0 = 18 - 1, x1 = 128 + 1, y0 = before.h - 43 - 1, y1 = before.h - 18 + 1;
    long inside = 0, outside = 0;
    for (int y = 0; y < before.h; ++y)
      for (int x = 0; x < before.w; ++x)
        if (before.differs(after, x, y)) ++(x >= x0 && x <= x1 && y >= y0 && y <= y1 ? inside : outside);
    QCOMPARE(outside, 0L);
    QVERIFY2(inside > (x1 - x0) * (y1 - y0) / 20, std::to_string(inside).c_str());
    d->set_file(q(out));
    d->findChild<QPushButton*>("verify")->click();
    QTRY_VERIFY(d->verdict().startsWith(QObject::tr("The signature is valid: the document is unchanged.")));
    QVERIFY(d->verdict().contains("PAdES"));
    d->close();
  }

  void policyCheckedBeforeTheCard() {
    auto* d = dialog(PinDialog::Change);
    QVERIFY(d);
    shot(d, "pin-change");
    const PinInfo& pin = window_->reports().at(reader_).pin;
    fill(d, text(pin_of(state_, 0x81)), "12", "12");
    QCOMPARE(d->message(), q(msg(M::ErrPinPolicy, pin.min_length, pin.max_length)));
    fill(d, text(pin_of(state_, 0x81)), "24682468", "24682460");
    QCOMPARE(d->message(), q(msg(M::ErrPinMismatch)));
    QCOMPARE(pin_of(state_, 0x81).tries_left, 3);  // nothing reached the card
    d->reject();
  }

  void wrongPinShowsTriesLeftThenChange() {
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

  void lastTryIsConfirmedThenBlockedNotice() {
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

  void unblockWithPuk() {
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
  void expiringCertificateWarns() {
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

  void cardDisappearsOnPull() {
    card_->remove();
    QTRY_VERIFY_WITH_TIMEOUT(!card_shown(), 10000);
    QCOMPARE(window_->findChild<QLabel*>("holder")->text(), QString());
  }

  void cleanupTestCase() {
    window_.reset();
    card_.reset();
    pcscd_.reset();
  }
};

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QApplication::setFont(QFont("DejaVu Sans", 10));
  if (!install_translation(app) && cli::turkish()) return 2;
  GuiTest t;
  return QTest::qExec(&t, argc, argv);
}

#include "gui_test.moc"
