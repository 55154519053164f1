// SPDX-License-Identifier: LGPL-2.1-or-later
// The fixture of gui_tests, one QTest object run in one process (one pcscd, one card, one window): the
// card view and the PIN dialogs in gui_test.cpp, the sign dialog in sign_dialog_test.cpp. The slots run in the
// order declared here: the sign cases after the card is inserted and before its PIN is changed and blocked.
#pragma once

#include <QFile>
#include <QLineEdit>
#include <QObject>
#include <QPushButton>
#include <QString>
#include <QtTest>
#include <memory>
#include <string>

#include "cards.hpp"
#include "main_window.hpp"
#include "messages.hpp"
#include "notify_server.hpp"
#include "processes.hpp"

namespace gui_test {
inline QString q(const std::string& s) { return QString::fromStdString(s); }
inline akis::vcard::PinObject pin_of(const std::string& state, std::uint8_t ref) { return *akis::vcard::load(state).pin(ref); }
inline std::string text(const akis::vcard::PinObject& p) { return std::string(p.value.begin(), p.value.end()); }
inline const char* lang() { return akis::cli::turkish() ? "tr" : "en"; }
// Saves `w` as docs/screenshots/NAME-LANG.png.
inline void shot(QWidget* w, const char* name) {
  QTest::qWait(50);  // let the layout settle
  w->grab().save(QString("%1/%2-%3.png").arg(AKIS_SCREENSHOT_DIR, name, lang()));
}
// Types `digits` with the on-screen keypad of `dialog` (its key0 ... key9 buttons, clicked with the mouse).
inline bool keypad_type(QWidget* dialog, const std::string& digits) {
  for (char ch : digits) {
    auto* key = dialog->findChild<QPushButton*>(QString("key") + ch);
    if (!key) return false;
    QTest::mouseClick(key, Qt::LeftButton);
  }
  return true;
}
// Changes the byte at the first `marker` in the file at `path` to `to`: a document changed after signing.
inline bool change_byte(const QString& path, const QByteArray& marker, char to) {
  QFile f(path);
  if (!f.open(QIODevice::ReadWrite)) return false;
  QByteArray b = f.readAll();
  const qsizetype at = b.indexOf(marker);
  if (at < 0) return false;
  b[at] = to;
  return f.seek(0) && f.write(b) == b.size();
}
}  // namespace gui_test

class GuiTest : public QObject {
  Q_OBJECT
  std::unique_ptr<akis::test::Pcscd> pcscd_;
  std::unique_ptr<akis::test::Process> bus_;
  std::unique_ptr<akis::test::VirtualCardProcess> card_;
  std::unique_ptr<akis::gui::MainWindow> window_;
  NotifyServer server_;
  std::string state_;
  const std::string reader_ = akis::test::Pcscd::kReader0;

  akis::gui::PinDialog* dialog(akis::gui::PinDialog::Mode mode);
  void fill(akis::gui::PinDialog* d, const std::string& a, const std::string& b, const std::string& c);
  bool card_shown() { return window_->reports().count(reader_) > 0; }
  QString pin_label();

 private slots:
  // gui_test.cpp
  void initTestCase();
  void noticeLogic();
  void cardAppearsOnInsert();
  // sign_dialog_test.cpp
  void verifyDialog();
  void signXmlInvoice();
  void signVisiblePdf();
  // gui_test.cpp
  void policyCheckedBeforeTheCard();
  void wrongPinShowsTriesLeftThenChange();
  void lastTryIsConfirmedThenBlockedNotice();
  void unblockWithPuk();
  void expiringCertificateWarns();
  void cardDisappearsOnPull();
  void cleanupTestCase();
};
