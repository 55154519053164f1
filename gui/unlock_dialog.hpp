// SPDX-License-Identifier: LGPL-2.1-or-later
// "Online unlock": the PIN of a post-2011 card unblocked with a verification code from the certificate
// authority's portal, through the flow `akis unlock` runs (tools/akis/unlock_flow.hpp) with the same messages.
// The address, the code format and the new PIN's policy are checked before the service or the card hears
// anything; the PIN fields and keypad are those of the PIN dialogs (secret_field.hpp); the flow runs on the
// card thread (worker.hpp) while a busy bar runs, and its progress lines appear in the dialog. Once the service
// has checked the code, a countdown (QTimer) shows its time left; at zero the dialog says it expired and does
// not send it again (the flow itself does not send a code whose time ran out).
#pragma once

#include <QDialog>
#include <QString>
#include <chrono>
#include <string>

#include "card_service.hpp"

class QLabel;
class QLineEdit;
class QProgressBar;
class QDialogButtonBox;
class QPushButton;
class QTimer;

namespace akis::gui {

class UnlockDialog : public QDialog {
  Q_OBJECT
 public:
  explicit UnlockDialog(CardReport report, QWidget* parent = nullptr);
  QString message() const;   // the last message shown (a refusal, or done)
  QString progress() const;  // the flow's progress lines so far
  QString validity() const;  // the countdown of the checked code (empty when none is shown)
  bool working() const;      // the card thread runs the flow

  void reject() override;    // not while the flow runs: the card and the service are mid-exchange

 signals:
  void completed(const QString& message);  // the card holds the new PIN

 private:
  void submit();
  void finish(bool done, const QString& text);
  void add_progress(const QString& line);
  void show_message(const QString& text, bool error);
  void choose_ca_file();
  void start_countdown(const std::string& code, std::chrono::steady_clock::time_point deadline);
  void update_validity();
  long seconds_left() const;

  CardReport report_;
  QLineEdit *service_ = nullptr, *ca_file_ = nullptr, *code_ = nullptr, *new_pin_ = nullptr, *again_ = nullptr;
  QPushButton* browse_ = nullptr;
  QLabel *progress_ = nullptr, *message_ = nullptr, *validity_ = nullptr;
  QTimer* tick_ = nullptr;
  std::string counted_code_, expired_code_;  // the code the countdown is for; a code known to have expired
  std::chrono::steady_clock::time_point deadline_;
  QProgressBar* busy_ = nullptr;
  QDialogButtonBox* buttons_ = nullptr;
};

}  // namespace akis::gui
