// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-gui's card view and its reach by keyboard and screen reader, offscreen, against two virtual cards
// through the real pcscd: a pre-2011 AKİS 2.x card with a PUK (one PUK try spent in its state file; at the end an
// AKİS 1.x card takes its place) and a post-2011 AKİS 2.x Mali Mühür (seal) card whose PIN is blocked. The labels show what each card holds (family,
// T.C. kimlik no or tax number, PUK tries or the online way out). On the main window and on every dialog
// (certificate details, PIN change, PUK unblock, online unlock, sign/verify) every visible control that can take
// the focus has a name for screen readers (as Qt's accessibility layer reports it), and Tab from the first
// control reaches every enabled one in the order of the form and comes back round (no Tab trap).
#include <QAccessible>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QtTest>

#include "app.hpp"
#include "cards.hpp"
#include "main_window.hpp"
#include "messages.hpp"
#include "processes.hpp"
#include "sign_dialog.hpp"
#include "unlock_dialog.hpp"

using namespace akis;
using namespace akis::gui;
using akis::cli::M;
using akis::cli::msg;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
QString describe(QWidget* w) { return QString("%1 '%2'").arg(w->metaObject()->className(), w->objectName()); }
QString accessible_name(QWidget* w) {
  QAccessibleInterface* i = QAccessible::queryAccessibleInterface(w);
  return i ? i->text(QAccessible::Name).trimmed() : QString();
}
// The controls of `top` itself (not of the dialogs above it) that are shown and can take the focus.
QList<QWidget*> focusable(QWidget* top) {
  QList<QWidget*> out;
  for (auto* w : top->findChildren<QWidget*>())
    if (w->window() == top && w->isVisible() && w->focusPolicy() != Qt::NoFocus) out << w;
  return out;
}
// Presses Tab from `first` until the focus is back on it; the widgets in the order they got the focus, or an
// empty list when the focus never comes back (it stays in one control or loops without `first`).
QList<QWidget*> tab_cycle(QWidget* top, QWidget* first) {
  first->setFocus(Qt::TabFocusReason);
  QList<QWidget*> seen{top->focusWidget()};
  for (int i = 0; i < 200; ++i) {
    QTest::keyClick(top->focusWidget(), Qt::Key_Tab);
    QWidget* now = top->focusWidget();
    if (now == first) return seen;
    if (seen.contains(now)) {
      qWarning("Tab went from %s back to %s", qPrintable(describe(seen.back())), qPrintable(describe(now)));
      return {};
    }
    seen << now;
  }
  return {};
}

const char* kPreReader = test::Pcscd::kReader0;
const char* kSealReader = test::Pcscd::kReader1;
}  // namespace

class CardViewTest : public QObject {
  Q_OBJECT
  std::unique_ptr<test::Pcscd> pcscd_;
  std::unique_ptr<test::VirtualCardProcess> pre_, seal_;
  std::unique_ptr<MainWindow> window_;
  vcard::PersonaliseOptions seal_options_ = test::options_for(test::Variant::Seal);
  vcard::PersonaliseOptions pre_options_ = test::options_for(test::Variant::Pre2011);

  QString label(const char* name) { return window_->findChild<QLabel*>(name)->text(); }
  bool select(const char* reader) {
    auto items = window_->reader_list()->findItems(reader, Qt::MatchStartsWith);
    if (items.isEmpty()) return false;
    window_->reader_list()->setCurrentItem(items[0]);
    return true;
  }
  // Names first, then the Tab cycle from `first`: every enabled control in it, `order` (object names) in its order.
  void check_reach(QWidget* top, QWidget* first, const QStringList& order) {
    QVERIFY2(first && first->window() == top, qPrintable(top->objectName()));
    const auto controls = focusable(top);
    QVERIFY(!controls.isEmpty());
    for (auto* w : controls) QVERIFY2(!accessible_name(w).isEmpty(), qPrintable(describe(w) + " has no accessible name"));
    const auto cycle = tab_cycle(top, first);
    QVERIFY2(!cycle.isEmpty(), qPrintable("Tab from " + describe(first) + " does not come back round"));
    for (auto* w : controls)
      if (w->isEnabled() && (w->focusPolicy() & Qt::TabFocus))
        QVERIFY2(cycle.contains(w), qPrintable(describe(w) + " is never reached by Tab"));
    QStringList names;
    for (auto* w : cycle) names << w->objectName();
    qInfo("%s: Tab order %s", qPrintable(top->objectName()), qPrintable(names.join(", ")));
    qsizetype at = 0;
    for (const QString& n : order) {
      at = names.indexOf(n, at);
      QVERIFY2(at >= 0, qPrintable("Tab order " + names.join(", ") + " lacks " + n + " after the ones before it"));
    }
  }

 private slots:
  void initTestCase() {
    pcscd_ = std::make_unique<test::Pcscd>(test::temp_dir());
    vcard::CardState pre = vcard::personalise(pre_options_);
    pre.pin(0x82)->tries_left = 2;  // one wrong PUK: the PUK line differs from the PIN line
    const std::string pre_path = test::temp_dir() + "/pre2011.json", seal_path = test::temp_dir() + "/seal.json";
    vcard::save_atomically(pre, pre_path);
    vcard::CardState seal = vcard::personalise(seal_options_);
    seal.pin(0x81)->tries_left = 0;  // blocked: the online unlock is offered
    vcard::save_atomically(seal, seal_path);
    pre_ = std::make_unique<test::VirtualCardProcess>(pre_path, 35963);
    seal_ = std::make_unique<test::VirtualCardProcess>(seal_path, 35964);
    window_ = std::make_unique<MainWindow>();
    window_->show();
    QVERIFY(QTest::qWaitForWindowActive(window_.get()));
    QTRY_VERIFY_WITH_TIMEOUT(window_->reports().count(kPreReader) && window_->reports().count(kSealReader) &&
                                 !window_->busy(), 20000);
  }

  void preCardLabels() {
    QVERIFY(select(kPreReader));
    QVERIFY2(label("family").startsWith(QString::fromUtf8("AKİS 2.x")), qPrintable(label("family")));
    QCOMPARE(label("nationalId"), q(pre_options_.national_id));
    QCOMPARE(window_->findChild<QLabel*>("nationalId")->accessibleName(), q(msg(M::LblTcNo)));
    QCOMPARE(label("pinTries"), q(msg(M::TriesLeft, 3, 3)));
    QCOMPARE(label("pukTries"), q(msg(M::TriesLeft, 2, 3)));
    QCOMPARE(window_->findChild<QLabel*>("pukTries")->accessibleName(), q(msg(M::LblPuk)));
  }

  void sealCardLabels() {
    QVERIFY(select(kSealReader));
    QVERIFY2(label("family").startsWith(QString::fromUtf8("AKİS 2.x")), qPrintable(label("family")));
    QCOMPARE(label("nationalId"), q(seal_options_.national_id));  // the company's tax number, not a T.C. no
    QCOMPARE(window_->findChild<QLabel*>("nationalId")->accessibleName(), q(msg(M::LblTaxNo)));
    QCOMPARE(label("pinTries"), q(msg(M::Blocked)));
    QCOMPARE(label("pukTries"), q(msg(M::UnblockOnline)));
    bool tax_label = false;
    for (auto* l : window_->findChildren<QLabel*>()) {
      tax_label |= l->text() == q(msg(M::LblTaxNo)) && l->buddy() == window_->findChild<QLabel*>("nationalId");
      QVERIFY(l->text() != q(msg(M::LblTcNo)));
    }
    QVERIFY(tax_label);
  }

  void mainWindowReach() {
    QVERIFY(select(kPreReader));
    check_reach(window_.get(), window_->reader_list(),
                {"readers", "certificates", "details", "export", "changePin", "unblockPin", "signVerify"});
    // The menus open with Alt and a letter; every entry has words.
    for (QAction* m : window_->menuBar()->actions()) {
      QVERIFY2(m->text().contains('&'), qPrintable(m->text()));
      QVERIFY(m->menu());
      for (QAction* a : m->menu()->actions())
        if (!a->isSeparator()) QVERIFY(!QString(a->text()).remove('&').trimmed().isEmpty());
    }
  }

  void detailsDialogReach() {
    QVERIFY(select(kPreReader));
    window_->open_details();
    auto* d = window_->findChild<QDialog*>("certificateDetails");
    QVERIFY(d && QTest::qWaitForWindowExposed(d));
    check_reach(d, d->findChild<QPlainTextEdit*>(), {});
    d->close();
  }

  void pinDialogsReach() {
    QVERIFY(select(kPreReader));
    for (auto mode : {PinDialog::Change, PinDialog::Unblock}) {
      PinDialog* d = window_->open_pin_dialog(mode);
      QVERIFY(d && QTest::qWaitForWindowExposed(d));
      const char* first = mode == PinDialog::Change ? "currentPin" : "puk";
      QTRY_COMPARE(d->focusWidget()->objectName(), QString(first));  // the dialog opens in its first field
      check_reach(d, d->focusWidget(), {first, "newPin", "newPinAgain", "ok"});
      d->reject();
      if (QTest::currentTestFailed()) return;
    }
    QTRY_VERIFY(!window_->busy());  // the window reads the card again after a dialog
  }

  void unlockDialogReach() {
    QVERIFY(select(kSealReader));
    UnlockDialog* d = window_->open_unlock_dialog();
    QVERIFY(d && QTest::qWaitForWindowExposed(d));
    QTRY_COMPARE(d->focusWidget()->objectName(), QString("code"));
    check_reach(d, d->focusWidget(), {"code", "newPin", "newPinAgain", "ok", "service", "caFile", "browseCa"});
    d->reject();
    QTRY_VERIFY(!window_->busy());
  }

  void signDialogReach() {
    QVERIFY(select(kPreReader));
    SignDialog* d = window_->open_sign_dialog();
    QVERIFY(d && QTest::qWaitForWindowExposed(d));
    d->set_file(q(test::temp_dir() + "/pre2011.json"));  // with a file, Sign and Verify are enabled
    check_reach(d, d->findChild<QLineEdit*>("file"), {"file", "choose", "pin", "visible", "sign", "verify", "verdict"});
    d->close();
  }

  // An AKİS 1.x card (pre-2011, RSA only) in place of the 2.x one: the family line follows the card.
  void familyFollowsTheCard() {
    pre_.reset();
    QTRY_VERIFY_WITH_TIMEOUT(!window_->reports().count(kPreReader), 10000);
    auto opts = pre_options_;
    opts.family = "1x";
    opts.ec_key = false;
    const std::string path = test::temp_dir() + "/akis1x.json";
    vcard::save_atomically(vcard::personalise(opts), path);
    pre_ = std::make_unique<test::VirtualCardProcess>(path, 35963);
    QTRY_VERIFY_WITH_TIMEOUT(window_->reports().count(kPreReader) && !window_->busy(), 15000);
    QVERIFY(select(kPreReader));
    QVERIFY2(label("family").startsWith(QString::fromUtf8("AKİS 1.x")), qPrintable(label("family")));
    QCOMPARE(label("nationalId"), q(opts.national_id));
  }

  void cleanupTestCase() {
    window_.reset();
    pre_.reset();
    seal_.reset();
    pcscd_.reset();
  }
};

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  if (!install_translation(app) && cli::turkish()) return 2;
  CardViewTest t;
  return QTest::qExec(&t, argc, argv);
}

#include "card_view_test.moc"
