// SPDX-License-Identifier: LGPL-2.1-or-later
// Sign and verify a document with the signing library (include/akis/sign/, the one `akis sign` / `akis verify`
// use): drop or choose a file; Sign follows `akis sign`'s rules (cli::default_sign_format: PAdES for a PDF,
// optionally with a visible box on page 1; XAdES-BES for XML; otherwise CAdES with the document inside, .imz)
// with the card's qualified certificate through the PKCS#11 module; Verify shows the verdict of a signature file
// (cli::verify_signature, as `akis verify`). The PIN field and its keypad are the PIN dialogs' (secret_field.*).
// The work runs on the card thread.
#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QDragEnterEvent;
class QDropEvent;

namespace akis::gui {

class SignDialog : public QDialog {
  Q_OBJECT
 public:
  explicit SignDialog(const QString& reader, QWidget* parent = nullptr);
  void set_file(const QString& path);
  QString verdict() const;  // the last result shown
  void sign();
  void verify();

 signals:
  void finished_work();

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;

 private:
  void busy(bool on);
  QString reader_;
  QLineEdit *file_ = nullptr, *pin_ = nullptr;
  QPlainTextEdit* result_ = nullptr;
  QProgressBar* bar_ = nullptr;
  QCheckBox* visible_ = nullptr;
  QPushButton *sign_ = nullptr, *verify_ = nullptr;
};

}  // namespace akis::gui
