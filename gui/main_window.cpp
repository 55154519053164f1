// SPDX-License-Identifier: LGPL-2.1-or-later
#include "main_window.hpp"

#include <QAction>
#include <QColor>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "messages.hpp"
#include "notice.hpp"
#include "reader_watch.hpp"
#include "sign_dialog.hpp"
#include "tray.hpp"
#include "unlock_dialog.hpp"
#include "worker.hpp"

namespace akis::gui {

using cli::M;
using cli::msg;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
QString label(M id) { return q(msg(id)); }

struct Loaded {
  std::optional<CardReport> report;
  std::string error;
};

QLabel* value_label(QWidget* parent, const char* name) {
  auto* l = new QLabel(parent);
  l->setObjectName(name);
  l->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  return l;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("AKİS card manager"));
  setObjectName("mainWindow");
  auto* split = new QSplitter(this);
  readers_ = new QListWidget(split);
  readers_->setObjectName("readers");
  readers_->setAccessibleName(tr("Readers and cards"));
  readers_->setMinimumWidth(260);

  auto* panel = new QWidget(split);
  auto* layout = new QVBoxLayout(panel);
  auto* form = new QFormLayout;
  holder_ = value_label(panel, "holder");
  id_ = value_label(panel, "nationalId");
  family_ = value_label(panel, "family");
  serial_ = value_label(panel, "serial");
  pin_ = value_label(panel, "pinTries");
  puk_ = value_label(panel, "pukTries");
  id_label_ = new QLabel(label(M::LblTcNo), panel);
  puk_label_ = new QLabel(label(M::LblPuk), panel);
  auto row = [&](QLabel* name, QLabel* value) {  // the value is read out under its label's name
    value->setAccessibleName(name->text());
    name->setBuddy(value);
    form->addRow(name, value);
  };
  row(new QLabel(label(M::LblHolder), panel), holder_);
  row(id_label_, id_);
  row(new QLabel(label(M::LblCardType), panel), family_);
  row(new QLabel(label(M::LblCardSerial), panel), serial_);
  row(new QLabel(label(M::LblPin), panel), pin_);
  row(puk_label_, puk_);
  layout->addLayout(form);
  card_message_ = value_label(panel, "cardMessage");
  card_message_->setWordWrap(true);
  card_message_->setAccessibleName(tr("Card notice"));
  layout->addWidget(card_message_);

  certs_ = new QTableWidget(0, 4, panel);
  certs_->setObjectName("certificates");
  certs_->setAccessibleName(tr("Certificates"));
  certs_->setHorizontalHeaderLabels({tr("Certificate"), label(M::LblHolder), tr("Valid until"), tr("Days left")});
  certs_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  certs_->horizontalHeader()->setStretchLastSection(true);
  certs_->setSelectionBehavior(QAbstractItemView::SelectRows);
  certs_->setSelectionMode(QAbstractItemView::SingleSelection);
  certs_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  certs_->setTabKeyNavigation(false);  // arrows move between rows; Tab leaves the table (no Tab trap)
  certs_->verticalHeader()->hide();
  layout->addWidget(certs_);

  auto* buttons = new QHBoxLayout;
  auto button = [&](const QString& text, const char* name) {
    auto* b = new QPushButton(text, panel);
    b->setObjectName(name);
    b->setAccessibleName(QString(text).remove('&'));
    buttons->addWidget(b);
    return b;
  };
  details_ = button(tr("&Details…"), "details");
  export_ = button(tr("&Export…"), "export");
  change_ = button(tr("Change &PIN…"), "changePin");
  unblock_ = button(tr("&Unblock PIN…"), "unblockPin");
  online_ = button(tr("&Online unlock…"), "onlineUnlock");
  sign_ = button(tr("&Sign or verify…"), "signVerify");
  layout->addLayout(buttons);
  split->setStretchFactor(1, 1);
  setCentralWidget(split);

  busy_ = new QProgressBar(this);
  busy_->setRange(0, 0);
  busy_->setMaximumWidth(120);
  busy_->setAccessibleName(tr("Working with the card"));
  busy_->setVisible(false);
  statusBar()->addPermanentWidget(busy_);

  auto* menu = menuBar()->addMenu(tr("&Settings"));
  notify_ = menu->addAction(tr("&Notify about expiring certificates and blocked PINs"));
  notify_->setCheckable(true);
  notify_->setChecked(true);
  QAction* quit = menuBar()->addMenu(tr("&File"))->addAction(tr("&Quit"));
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  connect(readers_, &QListWidget::currentRowChanged, this, &MainWindow::show_selected);
  connect(certs_, &QTableWidget::cellDoubleClicked, this, &MainWindow::open_details);
  connect(details_, &QPushButton::clicked, this, &MainWindow::open_details);
  connect(export_, &QPushButton::clicked, this, &MainWindow::export_certificate);
  connect(change_, &QPushButton::clicked, this, [this] { open_pin_dialog(PinDialog::Change); });
  connect(unblock_, &QPushButton::clicked, this, [this] { open_pin_dialog(PinDialog::Unblock); });
  connect(online_, &QPushButton::clicked, this, &MainWindow::open_unlock_dialog);
  connect(sign_, &QPushButton::clicked, this, &MainWindow::open_sign_dialog);
  setTabOrder(readers_, certs_);
  resize(900, 520);

  tray_ = Tray::create(this);
  watch_ = new ReaderWatch(this);
  connect(watch_, &ReaderWatch::changed, this, &MainWindow::readers_changed, Qt::QueuedConnection);
  readers_changed();
}

MainWindow::~MainWindow() { card_pool()->waitForDone(); }

void MainWindow::set_busy(int delta) {
  pending_ += delta;
  busy_->setVisible(pending_ > 0);
}

void MainWindow::readers_changed() {
  const auto snap = watch_->snapshot();
  const QString current = readers_->currentItem() ? readers_->currentItem()->data(Qt::UserRole).toString() : QString();
  std::map<std::string, bool> seen;
  for (auto& st : snap.readers) {
    seen[st.name] = true;
    // The card's identity: its ATR and the reader's insertion counter, so a card swapped for one with the same ATR
    // between two snapshots (the window busy, or a quick swap) is read again.
    const std::string atr = st.present ? to_hex(st.atr) + "#" + std::to_string(snap.generation) + ":" +
                                             std::to_string(st.event_count)
                                       : std::string();
    if (!st.present) {
      loaded_atr_.erase(st.name);
      reports_.erase(st.name);
      errors_.erase(st.name);
    } else if (loaded_atr_[st.name] != atr) {
      loaded_atr_[st.name] = atr;
      load(st.name);
    }
  }
  for (auto it = reports_.begin(); it != reports_.end();) it = seen.count(it->first) ? std::next(it) : reports_.erase(it);
  readers_->blockSignals(true);
  readers_->clear();
  for (auto& st : snap.readers) {
    std::string line = st.name + "\n  ";
    auto r = reports_.find(st.name);
    if (!st.present) line += msg(M::ReaderEmpty);
    else if (r != reports_.end()) line += r->second.family + (r->second.holder.empty() ? "" : ", " + r->second.holder);
    else if (errors_.count(st.name)) line += errors_[st.name];
    else line += tr("reading the card…").toStdString();
    auto* item = new QListWidgetItem(q(line), readers_);
    item->setData(Qt::UserRole, q(st.name));
    if (q(st.name) == current) readers_->setCurrentItem(item);
  }
  if (!readers_->currentItem() && readers_->count() > 0) readers_->setCurrentRow(0);
  readers_->blockSignals(false);
  if (tray_) tray_->update(reports_);
  if (snap.readers.empty()) statusBar()->showMessage(label(snap.service ? M::NoReaders : M::ErrNoService));
  show_selected();
}

void MainWindow::load(const std::string& reader) {
  set_busy(+1);
  auto* watcher = new QFutureWatcher<Loaded>(this);
  connect(watcher, &QFutureWatcher<Loaded>::finished, this, [this, watcher, reader] {
    watcher->deleteLater();
    set_busy(-1);
    Loaded l = watcher->result();
    if (loaded_atr_.count(reader)) {  // still in the reader
      if (l.report) {
        reports_[reader] = *l.report;
        errors_.erase(reader);
        auto lines = notice_lines(*l.report);
        if (notify_->isChecked() && !lines.empty() && !notified_[l.report->serial]) {
          notified_[l.report->serial] = true;
          std::string body;
          for (auto& s : lines) body += (body.empty() ? "" : "\n") + s;
          send_notification(tr("AKİS card: %1").arg(q(l.report->holder.empty() ? reader : l.report->holder)), q(body));
        }
      } else {
        errors_[reader] = l.error;
      }
      readers_changed();
    }
    emit report_ready(q(reader));
  });
  watcher->setFuture(QtConcurrent::run(card_pool(), [reader] {
    Loaded l;
    try {
      l.report = read_report(reader);
    } catch (const std::exception& e) {
      l.error = e.what();
    }
    return l;
  }));
}

const CardReport* MainWindow::selected() const {
  if (!readers_->currentItem()) return nullptr;
  auto it = reports_.find(readers_->currentItem()->data(Qt::UserRole).toString().toStdString());
  return it == reports_.end() ? nullptr : &it->second;
}

void MainWindow::show_selected() {
  const CardReport* r = selected();
  for (auto* l : {holder_, id_, family_, serial_, pin_, puk_}) l->clear();
  certs_->setRowCount(0);
  card_message_->clear();
  for (auto* b : {details_, export_, change_, unblock_, online_}) b->setEnabled(r != nullptr);
  if (!r) return;
  holder_->setText(q(r->holder));
  id_label_->setText(label(r->seal ? M::LblTaxNo : M::LblTcNo));
  id_->setAccessibleName(id_label_->text());
  id_->setText(q(r->national_id));
  family_->setText(q(r->family));
  serial_->setText(q(r->serial));
  pin_->setText(q(pin_status_text(r->pin_status)));
  puk_label_->setText(label(r->puk ? M::LblPuk : M::LblUnblock));
  puk_->setAccessibleName(puk_label_->text());
  puk_->setText(r->puk_status ? q(pin_status_text(*r->puk_status)) : label(M::UnblockOnline));
  unblock_->setEnabled(r->puk.has_value());
  online_->setEnabled(!r->puk && r->pin_status.blocked);  // post-2011 families: the issuer unblocks online
  auto lines = notice_lines(*r);
  std::string notice;
  for (auto& s : lines) notice += (notice.empty() ? "" : "\n") + s;
  card_message_->setText(q(notice));
  card_message_->setStyleSheet(notice.empty() ? "" : "color: #8a4b00;");
  certs_->setRowCount(static_cast<int>(r->certs.size()));
  for (int i = 0; i < static_cast<int>(r->certs.size()); ++i) {
    const CertRow& c = r->certs[static_cast<std::size_t>(i)];
    const QStringList cells{q(c.label), q(c.summary.holder), q(cli::iso_date(c.summary.not_after)),
                            QString::number(c.days_left)};
    for (int col = 0; col < cells.size(); ++col) {
      auto* item = new QTableWidgetItem(cells[col]);
      if (c.warn) {
        item->setBackground(QColor("#ffd8a8"));  // the warning colour: fewer than kWarnDays left
        item->setToolTip(q(c.status));
      }
      certs_->setItem(i, col, item);
    }
  }
  if (!r->certs.empty()) certs_->selectRow(0);
}

PinDialog* MainWindow::open_pin_dialog(PinDialog::Mode mode) {
  const CardReport* r = selected();
  if (!r) return nullptr;
  auto* d = new PinDialog(mode, *r, this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  const std::string reader = r->reader;
  connect(d, &PinDialog::completed, this, [this, reader](const QString& m) {
    statusBar()->showMessage(m, 10000);
    load(reader);
  });
  connect(d, &QDialog::rejected, this, [this, reader] { load(reader); });  // tries may have changed
  d->open();
  return d;
}

UnlockDialog* MainWindow::open_unlock_dialog() {
  const CardReport* r = selected();
  if (!r || r->puk || !r->pin_status.blocked) return nullptr;
  auto* d = new UnlockDialog(*r, this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  const std::string reader = r->reader;
  connect(d, &UnlockDialog::completed, this, [this](const QString& m) { statusBar()->showMessage(m, 10000); });
  connect(d, &QDialog::finished, this, [this, reader] { load(reader); });  // unlocked, or the code was spent
  d->open();
  return d;
}

SignDialog* MainWindow::open_sign_dialog() {
  const CardReport* r = selected();
  auto* d = new SignDialog(r ? q(r->reader) : QString(), this);
  d->setAttribute(Qt::WA_DeleteOnClose);
  d->open();
  return d;
}

void MainWindow::open_details() {
  const CardReport* r = selected();
  int row = certs_->currentRow();
  if (!r || row < 0 || row >= static_cast<int>(r->certs.size())) return;
  auto* d = new QDialog(this);
  d->setObjectName("certificateDetails");
  d->setAttribute(Qt::WA_DeleteOnClose);
  d->setWindowTitle(tr("Certificate details"));
  auto* l = new QVBoxLayout(d);
  auto* text = new QPlainTextEdit(q(certificate_details(r->certs[static_cast<std::size_t>(row)])), d);
  text->setReadOnly(true);
  text->setAccessibleName(tr("Certificate details"));
  l->addWidget(text);
  auto* box = new QDialogButtonBox(QDialogButtonBox::Close, d);
  box->button(QDialogButtonBox::Close)->setObjectName("close");
  connect(box, &QDialogButtonBox::rejected, d, &QDialog::reject);
  l->addWidget(box);
  d->resize(560, 340);
  d->open();
}

void MainWindow::export_certificate() {
  const CardReport* r = selected();
  int row = certs_->currentRow();
  if (!r || row < 0 || row >= static_cast<int>(r->certs.size())) return;
  const CertRow& c = r->certs[static_cast<std::size_t>(row)];
  QString path = QFileDialog::getSaveFileName(this, tr("Export certificate"), q(c.label) + ".pem",
                                              tr("PEM (*.pem *.crt);;DER (*.der *.cer)"));
  if (path.isEmpty()) return;
  std::string err = gui::export_certificate(c.der, path.toStdString());
  statusBar()->showMessage(err.empty() ? q(msg(M::Exported, path.toStdString())) : q(err), 10000);
}

}  // namespace akis::gui
