// SPDX-License-Identifier: LGPL-2.1-or-later
#include "unlock_dialog.hpp"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <tuple>

#include "akis/error.hpp"
#include "cli.hpp"
#include "secret_field.hpp"
#include "unlock_flow.hpp"
#include "worker.hpp"

namespace akis::gui {

using cli::M;
using cli::msg;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
template <class... A>
QString prompt(M id, A... args) {  // a terminal prompt of the catalogue as a field's label: no trailing colon
  return q(msg(id, args...)).remove(QRegularExpression(":\\s*$"));
}

struct Result {
  bool done = false;
  std::string text;
};

// The dialog's answers to the flow's questions: taken before the flow starts, so nothing waits for the window.
class DialogPrompts : public cli::UnlockPrompts {
 public:
  using Clock = std::chrono::steady_clock;
  DialogPrompts(std::string code, Secret pin, std::string reader, std::function<void(const std::string&)> progress,
                std::function<void(Clock::time_point)> deadline)
      : code_(std::move(code)), pin_(std::move(pin)), reader_(std::move(reader)), progress_(std::move(progress)),
        deadline_(std::move(deadline)) {}
  std::string code() override { return code_; }
  void progress(const std::string& line) override { progress_(line); }
  // The countdown's end, taken here (not when the window gets to it) so the queue's delay does not lengthen it.
  void time_left(long seconds) override { deadline_(Clock::now() + std::chrono::seconds(seconds)); }
  std::size_t choose(const std::vector<cli::UnlockCandidate>& cards) override {  // the card the dialog is for
    for (std::size_t i = 0; i < cards.size(); ++i)
      if (cards[i].reader == reader_) return i;
    throw cli::Failure(cli::kNoCard, msg(M::ErrReaderNotFound, reader_));
  }
  Secret new_pin(const PinInfo&) override { return pin_; }

 private:
  std::string code_;
  Secret pin_;
  std::string reader_;
  std::function<void(const std::string&)> progress_;
  std::function<void(Clock::time_point)> deadline_;
};
}  // namespace

UnlockDialog::UnlockDialog(CardReport report, QWidget* parent) : QDialog(parent), report_(std::move(report)) {
  setWindowTitle(tr("Online unlock"));
  setObjectName("onlineUnlockDialog");
  auto* layout = new QVBoxLayout(this);
  auto* info = new QLabel(q(report_.reader + " — " + report_.family), this);
  info->setObjectName("cardLabel");
  layout->addWidget(info);
  auto* status = new QLabel(q(msg(M::LblPin) + ": " + pin_status_text(report_.pin_status)), this);
  status->setObjectName("pinStatus");
  layout->addWidget(status);
  auto* hint = new QLabel(tr("Get a verification code on the certificate authority's portal (NES İşlemleri > PIN "
                             "Oluşturma/Kilit Çözme) and enter it here with a new PIN. The PIN goes only to the card."),
                          this);
  hint->setWordWrap(true);
  layout->addWidget(hint);

  auto* form = new QFormLayout;
  auto line = [&](const char* name, const QString& label_text) {
    auto* e = new QLineEdit(this);
    e->setObjectName(name);
    e->setAccessibleName(QString(label_text).remove('&'));
    auto* l = new QLabel(label_text, this);
    l->setBuddy(e);
    return std::pair{l, e};
  };
  auto [service_label, service] = line("service", tr("Unlock &service"));
  service_ = service;
  service_->setText(cli::kDefaultUnlockService);
  form->addRow(service_label, service_);
  auto [ca_label, ca] = line("caFile", tr("CA &certificate (optional)"));
  ca_file_ = ca;
  browse_ = new QPushButton(tr("&Browse…"), this);
  browse_->setObjectName("browseCa");
  browse_->setAccessibleName(tr("Choose the CA certificate"));
  auto* ca_row = new QHBoxLayout;
  ca_row->addWidget(ca_file_);
  ca_row->addWidget(browse_);
  form->addRow(ca_label, ca_row);
  auto [code_label, code] = line("code", prompt(M::PromptCode));
  code_ = code;  // shown, as `akis unlock` shows it: it is pasted and worthless after one use
  code_->setMaxLength(32);
  code_->setInputMethodHints(Qt::ImhDigitsOnly | Qt::ImhNoPredictiveText | Qt::ImhSensitiveData);
  form->addRow(code_label, code_);
  const PinInfo& pin = report_.pin;
  new_pin_ = secret_field(this, "newPin", prompt(M::PromptNewPin, pin.min_length, pin.max_length), form);
  again_ = secret_field(this, "newPinAgain", prompt(M::PromptNewPinAgain), form);
  layout->addLayout(form);
  layout->addWidget(keypad(this, new_pin_));

  progress_ = new QLabel(this);
  progress_->setObjectName("progress");
  progress_->setWordWrap(true);
  progress_->setAccessibleName(tr("Progress"));
  layout->addWidget(progress_);
  validity_ = new QLabel(this);
  validity_->setObjectName("codeValidity");
  validity_->setAccessibleName(tr("Time left for the code"));
  validity_->setVisible(false);
  layout->addWidget(validity_);
  tick_ = new QTimer(this);
  tick_->setInterval(250);  // the seconds change on time
  connect(tick_, &QTimer::timeout, this, &UnlockDialog::update_validity);
  connect(code_, &QLineEdit::textChanged, this, [this](const QString& text) {  // another code: not this countdown
    if (cli::normalise_code(text.toStdString()) != counted_code_) {
      tick_->stop();
      validity_->setVisible(false);
    }
  });
  std::tie(message_, busy_) = status_widgets(this, layout, tr("Message"), tr("Working with the card"));
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons_->button(QDialogButtonBox::Ok)->setObjectName("ok");
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("&Unlock"));
  buttons_->button(QDialogButtonBox::Ok)->setAccessibleName(tr("Unlock"));
  buttons_->button(QDialogButtonBox::Cancel)->setText(tr("Cancel"));
  buttons_->button(QDialogButtonBox::Cancel)->setObjectName("cancel");
  buttons_->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Cancel"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &UnlockDialog::submit);
  connect(buttons_, &QDialogButtonBox::rejected, this, &UnlockDialog::reject);
  connect(browse_, &QPushButton::clicked, this, &UnlockDialog::choose_ca_file);
  layout->addWidget(buttons_);
  setTabOrder(service_, ca_file_);
  setTabOrder(ca_file_, browse_);
  setTabOrder(browse_, code_);
  setTabOrder(code_, new_pin_);
  setTabOrder(new_pin_, again_);
  code_->setFocus();
}

QString UnlockDialog::message() const { return message_->text(); }
QString UnlockDialog::validity() const { return validity_->isVisible() ? validity_->text() : QString(); }

long UnlockDialog::seconds_left() const {
  return std::max<long>(0, static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                                                 deadline_ - std::chrono::steady_clock::now()).count()));
}

void UnlockDialog::start_countdown(const std::string& code, std::chrono::steady_clock::time_point deadline) {
  counted_code_ = code;
  deadline_ = deadline;
  validity_->setVisible(cli::normalise_code(code_->text().toStdString()) == code);
  update_validity();
  tick_->start();
}

void UnlockDialog::update_validity() {
  const long left = seconds_left();
  validity_->setText(q(left > 0 ? msg(M::CodeTimeLeft, left) : msg(M::ErrCodeExpired)));
  validity_->setStyleSheet(left > 0 ? "" : "color: #b00020;");
  if (left == 0) {
    tick_->stop();
    expired_code_ = counted_code_;
  }
}
QString UnlockDialog::progress() const { return progress_->text(); }
bool UnlockDialog::working() const { return busy_->isVisible(); }

void UnlockDialog::reject() {
  if (!working()) QDialog::reject();
}

void UnlockDialog::show_message(const QString& text, bool error) {
  message_->setText(text);
  message_->setStyleSheet(error ? "color: #b00020;" : "");
}

void UnlockDialog::add_progress(const QString& line) {
  progress_->setText(progress_->text().isEmpty() ? line : progress_->text() + "\n" + line);
}

void UnlockDialog::choose_ca_file() {
  QString path = QFileDialog::getOpenFileName(this, tr("CA certificate"), QString(), tr("PEM (*.pem *.crt);;All files (*)"));
  if (!path.isEmpty()) ca_file_->setText(path);
}

void UnlockDialog::submit() {
  cli::UnlockRequest request;
  request.service_url = service_->text().trimmed().toStdString();
  request.ca_file = ca_file_->text().trimmed().toStdString();
  request.reader = report_.reader;
  const std::string code = cli::normalise_code(code_->text().toStdString());
  Secret pin = take(new_pin_), again = take(again_);
  try {  // the address, the code and the PIN policy before the service or the card hear anything
    cli::check_service_url(request.service_url);
    cli::check_code_format(code);
  } catch (const cli::Failure& f) {
    return show_message(q(f.what()), true);
  }
  if (code == counted_code_ && seconds_left() == 0) expired_code_ = code;  // even between two ticks
  if (code == expired_code_) {  // not sent again: a new code is needed
    new_pin_->clear();
    again_->clear();
    code_->setFocus();
    return show_message(q(msg(M::ErrCodeExpired)), true);
  }
  if (std::string problem = check_new_pin(report_.pin, pin, again); !problem.empty()) {
    new_pin_->clear();
    again_->clear();
    new_pin_->setFocus();
    return show_message(q(problem), true);
  }
  progress_->clear();
  message_->clear();
  busy_->setVisible(true);
  buttons_->setEnabled(false);
  auto* watcher = new QFutureWatcher<Result>(this);
  connect(watcher, &QFutureWatcher<Result>::finished, this, [this, watcher] {
    watcher->deleteLater();
    Result r = watcher->result();
    finish(r.done, q(r.text));
  });
  // The dialog outlives the flow (reject() waits for it, the window waits for the card thread), so the progress
  // lines may be posted to it.
  auto post = [this](const std::string& line) {
    QMetaObject::invokeMethod(this, [this, l = q(line)] { add_progress(l); }, Qt::QueuedConnection);
  };
  auto countdown = [this, code](std::chrono::steady_clock::time_point end) {
    QMetaObject::invokeMethod(this, [this, code, end] { start_countdown(code, end); }, Qt::QueuedConnection);
  };
  watcher->setFuture(QtConcurrent::run(card_pool(), [request, code, pin, post, countdown, reader = report_.reader] {
    DialogPrompts prompts(code, pin, reader, post, countdown);
    try {
      cli::unlock_online(request, prompts);
      return Result{true, msg(M::UnlockDone)};
    } catch (const cli::Failure& f) {
      return Result{false, f.what()};
    } catch (const std::exception& e) {
      return Result{false, msg(M::ErrService, e.what())};
    }
  }));
}

void UnlockDialog::finish(bool done, const QString& text) {
  busy_->setVisible(false);
  buttons_->setEnabled(true);
  new_pin_->clear();
  again_->clear();
  show_message(text, !done);
  if (done) {
    tick_->stop();
    code_->clear();
    emit completed(text);
    accept();
  } else {
    code_->setFocus();
  }
}

}  // namespace akis::gui
