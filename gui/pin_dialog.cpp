// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pin_dialog.hpp"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <tuple>

#include "messages.hpp"
#include "secret_field.hpp"
#include "worker.hpp"

namespace akis::gui {

using cli::M;
using cli::msg;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

PinDialog::PinDialog(Mode mode, CardReport report, QWidget* parent)
    : QDialog(parent), mode_(mode), report_(std::move(report)) {
  setWindowTitle(mode == Change ? tr("Change PIN") : tr("Unblock PIN with PUK"));
  setObjectName(mode == Change ? "pinChangeDialog" : "pinUnblockDialog");
  auto* layout = new QVBoxLayout(this);
  auto* info = new QLabel(q(report_.reader + " — " + report_.family), this);
  info->setObjectName("cardLabel");
  layout->addWidget(info);
  auto* form = new QFormLayout;
  const PinInfo& pin = report_.pin;
  if (mode == Change) {
    first_ = field("currentPin", tr("Current PIN"), form);
    auto* tries = new QLabel(q(msg(M::LblPin) + ": " + pin_status_text(report_.pin_status)), this);
    tries->setObjectName("triesLabel");
    form->addRow(tries);
  } else {
    first_ = field("puk", tr("PUK"), form);
    if (report_.puk_status) form->addRow(new QLabel(q(msg(M::LblPuk) + ": " + pin_status_text(*report_.puk_status)), this));
  }
  second_ = field("newPin", q(msg(M::PromptNewPin, pin.min_length, pin.max_length)).remove(QRegularExpression(":\\s*$")), form);
  third_ = field("newPinAgain", q(msg(M::PromptNewPinAgain)).remove(QRegularExpression(":\\s*$")), form);
  layout->addLayout(form);
  layout->addWidget(keypad(this, first_));
  std::tie(message_, busy_) = status_widgets(this, layout, tr("Message"), tr("Working with the card"));
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setObjectName("ok");
  buttons_->button(QDialogButtonBox::Ok)->setText(mode == Change ? tr("&Change PIN") : tr("&Unblock"));
  buttons_->button(QDialogButtonBox::Cancel)->setText(tr("Cancel"));
  buttons_->button(QDialogButtonBox::Cancel)->setObjectName("cancel");
  connect(buttons_, &QDialogButtonBox::accepted, this, &PinDialog::submit);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons_);
  first_->setFocus();
}

QLineEdit* PinDialog::field(const QString& name, const QString& label_text, QFormLayout* form) {
  return secret_field(this, name, label_text, form);
}

QString PinDialog::message() const { return message_->text(); }

void PinDialog::show_message(const QString& text, bool error) {
  message_->setText(text);
  message_->setStyleSheet(error ? "color: #b00020;" : "");
}

void PinDialog::clear_fields() {
  for (auto* e : {first_, second_, third_}) e->clear();
  first_->setFocus();
}

void PinDialog::submit() {
  Secret a = take(first_), b = take(second_), c = take(third_);
  std::string problem = mode_ == Change ? check_change(report_.pin, a, b, c)
                        : report_.puk   ? check_unblock(report_.pin, *report_.puk, a, b, c)
                                        : msg(M::NoPukOnCard) + "\n" + msg(M::HintUnblockOnline);
  if (!problem.empty()) {  // nothing reached the card
    show_message(q(problem), true);
    return;
  }
  run(false);
}

void PinDialog::run(bool confirmed) {
  busy_->setVisible(true);
  buttons_->setEnabled(false);
  auto* watcher = new QFutureWatcher<Outcome>(this);
  connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher] {
    watcher->deleteLater();
    busy_->setVisible(false);
    buttons_->setEnabled(true);
    finish(watcher->result());
  });
  const std::string reader = report_.reader;
  const Mode mode = mode_;
  Secret a = take(first_), b = take(second_);
  watcher->setFuture(QtConcurrent::run(card_pool(), [reader, mode, a, b, confirmed] {
    return mode == Change ? change_pin(reader, a, b, confirmed) : unblock_pin(reader, a, b, confirmed);
  }));
}

void PinDialog::finish(const Outcome& o) {
  if (o.kind == Outcome::NeedsConfirm) {
    if (QMessageBox::question(this, windowTitle(), q(o.message)) == QMessageBox::Yes) return run(true);
    clear_fields();
    return show_message(q(msg(M::Declined)), true);
  }
  clear_fields();
  show_message(q(o.message), o.kind != Outcome::Done);
  if (o.kind == Outcome::Done) {
    emit completed(q(o.message));
    accept();
  }
}

}  // namespace akis::gui
