// SPDX-License-Identifier: LGPL-2.1-or-later
// PIN change and PUK unblock: the steps and messages of `akis pin change` / `akis pin unblock`. The PIN
// fields show bullets only (never the digits), are never logged and are cleared once the card answered;
// an on-screen keypad types into the focused field. The card work runs on the card thread (worker.hpp)
// while a busy bar runs and the buttons wait.
#pragma once

#include <QDialog>
#include <QString>

#include "card_service.hpp"

class QLabel;
class QLineEdit;
class QProgressBar;
class QDialogButtonBox;
class QFormLayout;

namespace akis::gui {

class PinDialog : public QDialog {
  Q_OBJECT
 public:
  enum Mode { Change, Unblock };
  PinDialog(Mode mode, CardReport report, QWidget* parent = nullptr);
  QString message() const;  // the last message shown (policy, tries left, done)

 signals:
  void completed(const QString& message);  // the card accepted the change

 private:
  void submit();
  void run(bool confirmed);
  void finish(const Outcome& o);
  void show_message(const QString& text, bool error);
  void clear_fields();
  QLineEdit* field(const QString& object_name, const QString& label_text, QFormLayout* form);

  Mode mode_;
  CardReport report_;
  QLineEdit *first_ = nullptr, *second_ = nullptr, *third_ = nullptr;
  QLabel* message_ = nullptr;
  QProgressBar* busy_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace akis::gui
