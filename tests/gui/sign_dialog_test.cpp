// SPDX-License-Identifier: LGPL-2.1-or-later
// The sign dialog of akis-gui in gui_tests' run (fixture: gui_test.hpp), with the card inserted by
// cardAppearsOnInsert: verify a CAdES signature `akis sign` made (dropped onto the dialog), sign with the PIN typed
// on the on-screen keypad (CAdES checked by openssl cms), an e-Fatura as XAdES-BES (xmlsec1) and a PDF with a
// visible PAdES box (pdfsig, pdftoppm); each verdict of the dialog's verify, also after a changed byte.
#include <QApplication>
#include <QCheckBox>
#include <QDropEvent>
#include <QFile>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <cstdio>
#include <fstream>

#include "gui_test.hpp"
#include "pdf_checks.hpp"
#include "sign_dialog.hpp"

using namespace akis;
using namespace akis::gui;
using namespace gui_test;

namespace {
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

// Verify through the dialog a CAdES signature that `akis sign` made on the card (checked by openssl cms too).
void GuiTest::verifyDialog() {
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
  QVERIFY(change_byte(q(doc + ".imz"), "imzalanacak", 'I'));
  d->findChild<QPushButton*>("verify")->click();
  QTRY_VERIFY(!d->verdict().startsWith(QObject::tr("The signature is valid: the document is unchanged.")));
  // Sign in the dialog with the card's PIN typed on the on-screen keypad while the document field has the focus:
  // the keys take no focus and type into the PIN field (bullets), never into the file name; Delete takes the
  // extra digit back. openssl cms finds the document inside and the signature valid.
  std::remove((doc + ".imz").c_str());
  d->set_file(q(doc));
  auto* pin = d->findChild<QLineEdit*>("pin");
  QCOMPARE(pin->echoMode(), QLineEdit::Password);
  field->setFocus();
  const std::string card_pin = text(pin_of(state_, 0x81));
  QVERIFY(keypad_type(d, card_pin + "7"));
  QTest::mouseClick(d->findChild<QPushButton*>("keyDelete"), Qt::LeftButton);
  QCOMPARE(d->focusWidget(), field);
  QCOMPARE(field->text(), q(doc));
  QCOMPARE(pin->text(), q(card_pin));
  d->findChild<QPushButton*>("sign")->click();
  QTRY_VERIFY_WITH_TIMEOUT(d->verdict().contains(q(doc + ".imz")), 30000);  // "Written: FILE.imz"
  QCOMPARE(pin->text(), QString());  // the PIN does not stay in the field
  QCOMPARE(test::run_command("openssl cms -verify -noverify -inform DER -in " + doc + ".imz 2>&1", out), 0);
  QVERIFY2(q(out).contains("imzalanacak belge"), out.c_str());
  d->close();
}

// An e-Fatura signed in the dialog gets XAdES-BES as with `akis sign` (FILE.signed.xml), which the independent
// xmlsec1 accepts with the card's CA as the only anchor; the dialog's verify says valid, and not after a change.
void GuiTest::signXmlInvoice() {
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
  QVERIFY(change_byte(out, "1180.00", '9'));  // the amount changed by one byte
  QVERIFY(xmlsec() != 0);
  d->findChild<QPushButton*>("verify")->click();
  QTRY_VERIFY(d->verdict().startsWith(QObject::tr("The signature is NOT valid: %1").section('%', 0, 0)));
  d->close();
}

// A PDF with "Visible signature": PAdES (FILE.signed.pdf) that pdfsig accepts, its box drawn at the lower left of
// page 1 and nowhere else (pdftoppm), and the dialog's verify says valid (PAdES).
void GuiTest::signVisiblePdf() {
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
