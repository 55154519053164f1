// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sign_dialog.hpp"

#include <QCheckBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <functional>

#include "akis/sign/cades.hpp"
#include "akis/sign/pades.hpp"
#include "akis/sign/token.hpp"
#include "akis/sign/xades.hpp"
#include "cert_summary.hpp"
#include "cli.hpp"
#include "cmd_sign.hpp"
#include "secret_field.hpp"
#include "worker.hpp"

namespace akis::gui {

using cli::M;
using cli::msg;

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }

Bytes read_file(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error(QObject::tr("cannot read %1").arg(path).toStdString());
  QByteArray b = f.readAll();
  return Bytes(b.begin(), b.end());
}

// The box of a visible PAdES signature: page 1, lower left corner, inside the margins of any common page size.
sign::VisibleSignature default_box() {
  sign::VisibleSignature v;
  v.page = 1;
  v.x = 36;
  v.y = 36;
  v.w = 220;
  v.h = 50;
  return v;
}

// Signs like `akis sign FILE` (the format and the output name by the same functions): PAdES for a PDF (with the
// visible box when asked), XAdES-BES for XML (by extension or content), otherwise CAdES with the document inside.
std::string sign_file(const std::string& reader, const QString& path, const Secret& pin, bool visible) {
  Bytes input = read_file(path);
  const std::string file = path.toStdString();
  const std::string format = cli::default_sign_format(file, input, false);
  if (format == "xades") {
    try {
      sign::check_xml(input);
    } catch (const std::runtime_error& e) {
      return msg(M::ErrNotXml, file, e.what());
    }
  }
  const QString out = q(cli::default_sign_output(file, format, false));
  try {
    auto token = sign::Token::open(sign::default_module_path(), reader);
    token->login(pin);  // the private keys are CKA_PRIVATE: the module lists them after the login
    sign::TokenCert cert = token->choose({});
    EVP_PKEY* key = token->private_key(cert);
    Bytes signed_bytes;
    if (format == "pades") {
      sign::PadesOptions po;
      if (visible) {
        po.visible = default_box();
        po.visible->lines = cli::stamp_lines(cert);
      }
      signed_bytes = sign::pades_sign(key, cert.der, input, po);
    } else if (format == "xades") {
      signed_bytes = sign::xades_sign(key, cert.der, input);
    } else {
      signed_bytes = sign::cades_sign(key, cert.der, input, {});
    }
    QFile f(out);
    if (!f.open(QIODevice::WriteOnly) ||
        f.write(reinterpret_cast<const char*>(signed_bytes.data()), static_cast<qint64>(signed_bytes.size())) !=
            static_cast<qint64>(signed_bytes.size()))
      return msg(M::ErrWrite, out.toStdString(), f.errorString().toStdString());
    return QObject::tr("Signed with %1\nWritten: %2").arg(q(cert.label), out).toStdString();
  } catch (const sign::TokenError& e) {
    try {
      cli::fail_token(e);
    } catch (const cli::Failure& f) {
      return f.what();
    }
  } catch (const std::invalid_argument& e) {
    return msg(M::ErrVisible, e.what());
  } catch (const std::runtime_error& e) {
    return msg(M::ErrSigning, e.what());
  }
}

// Verifies like `akis verify FILE` (the same dispatch by content: PAdES, XAdES or CAdES).
std::string verify_file(const QString& path) {
  Bytes data = read_file(path);
  cli::SignatureCheck c;
  try {
    c = cli::verify_signature(data, {}, {});
  } catch (const std::exception& e) {
    return msg(M::ErrNotASignature, e.what());
  }
  const sign::Verification& v = c.v;
  std::string out = (v.signature_valid ? QObject::tr("The signature is valid: the document is unchanged.")
                                       : QObject::tr("The signature is NOT valid: %1").arg(q(v.error)))
                        .toStdString();
  out += "\n" + msg(M::LblFormat) + ": " + c.format;
  if (!v.signer_cert.empty()) {
    auto s = cli::summarise_certificate(v.signer_cert);
    out += "\n" + msg(M::LblHolder) + ": " + s.holder;
    if (!s.national_id.empty()) out += "\n" + msg(s.kind == cli::CertKind::Seal ? M::LblTaxNo : M::LblTcNo) + ": " + s.national_id;
  }
  if (v.signing_time) out += "\n" + QObject::tr("Signing time: %1").arg(q(cli::iso_date(*v.signing_time))).toStdString();
  return out;
}
}  // namespace

SignDialog::SignDialog(const QString& reader, QWidget* parent) : QDialog(parent), reader_(reader) {
  setObjectName("signDialog");
  setWindowTitle(tr("Sign or verify a document"));
  setAcceptDrops(true);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Drop a file here or choose one."), this));
  auto* form = new QFormLayout;
  auto* row = new QHBoxLayout;
  file_ = new QLineEdit(this);
  file_->setObjectName("file");
  file_->setAccessibleName(tr("Document"));
  file_->setAcceptDrops(false);  // a dropped file goes to the dialog (its path, not the text of its URL)
  auto* choose = new QPushButton(tr("C&hoose…"), this);
  choose->setObjectName("choose");
  choose->setAccessibleName(tr("Choose a document"));
  row->addWidget(file_);
  row->addWidget(choose);
  auto* file_label = new QLabel(tr("&Document"), this);
  file_label->setBuddy(file_);
  form->addRow(file_label, row);
  pin_ = secret_field(this, "pin", tr("&PIN"), form);
  layout->addLayout(form);
  layout->addWidget(keypad(this, pin_));  // types into the PIN field even while the document field has the focus
  visible_ = new QCheckBox(tr("V&isible signature"), this);
  visible_->setObjectName("visible");
  visible_->setAccessibleName(tr("Visible signature"));
  visible_->setToolTip(tr("PDF only: a box with the signer and the date at the lower left of page 1"));
  layout->addWidget(visible_);
  auto* buttons = new QHBoxLayout;
  sign_ = new QPushButton(tr("&Sign"), this);
  sign_->setObjectName("sign");
  sign_->setAccessibleName(tr("Sign"));
  verify_ = new QPushButton(tr("&Verify"), this);
  verify_->setObjectName("verify");
  verify_->setAccessibleName(tr("Verify"));
  buttons->addWidget(sign_);
  buttons->addWidget(verify_);
  layout->addLayout(buttons);
  bar_ = new QProgressBar(this);
  bar_->setRange(0, 0);
  bar_->setVisible(false);
  bar_->setAccessibleName(tr("Working with the card"));
  layout->addWidget(bar_);
  result_ = new QPlainTextEdit(this);
  result_->setObjectName("verdict");
  result_->setReadOnly(true);
  result_->setAccessibleName(tr("Result"));
  layout->addWidget(result_);
  connect(choose, &QPushButton::clicked, this, [this] {
    QString p = QFileDialog::getOpenFileName(this, tr("Choose a document"));
    if (!p.isEmpty()) set_file(p);
  });
  connect(file_, &QLineEdit::textChanged, this, [this] { busy(false); });  // Sign and Verify need a file
  busy(false);
  connect(sign_, &QPushButton::clicked, this, &SignDialog::sign);
  connect(verify_, &QPushButton::clicked, this, &SignDialog::verify);
  resize(560, 420);  // room for the keypad and a five-line verdict
}

void SignDialog::set_file(const QString& path) { file_->setText(path); }
QString SignDialog::verdict() const { return result_->toPlainText(); }

namespace {
bool local_file(const QMimeData* m) { return m->hasUrls() && !m->urls().isEmpty() && m->urls()[0].isLocalFile(); }
}  // namespace

void SignDialog::dragEnterEvent(QDragEnterEvent* e) {
  if (local_file(e->mimeData())) e->acceptProposedAction();  // a web link is not a document to sign
}
void SignDialog::dropEvent(QDropEvent* e) {
  if (!local_file(e->mimeData())) return;
  set_file(e->mimeData()->urls()[0].toLocalFile());
  e->acceptProposedAction();
}

void SignDialog::busy(bool on) {
  bar_->setVisible(on);
  const bool ready = !on && !file_->text().trimmed().isEmpty();
  sign_->setEnabled(ready);
  verify_->setEnabled(ready);
}

template <class F>
static void run_on_card(SignDialog* d, QPlainTextEdit* result, F&& work, std::function<void(bool)> busy) {
  busy(true);
  auto* watcher = new QFutureWatcher<std::string>(d);
  QObject::connect(watcher, &QFutureWatcher<std::string>::finished, d, [d, watcher, result, busy] {
    watcher->deleteLater();
    busy(false);
    result->setPlainText(q(watcher->result()));
    emit d->finished_work();
  });
  watcher->setFuture(QtConcurrent::run(card_pool(), [work = std::forward<F>(work)]() -> std::string {
    try {
      return work();
    } catch (const std::exception& e) {
      return e.what();
    }
  }));
}

void SignDialog::sign() {
  Secret pin = take(pin_);
  pin_->clear();
  const std::string reader = reader_.toStdString();
  const QString path = file_->text();
  const bool visible = visible_->isChecked();
  run_on_card(this, result_, [reader, path, pin, visible] { return sign_file(reader, path, pin, visible); },
              [this](bool on) { busy(on); });
}

void SignDialog::verify() {
  const QString path = file_->text();
  run_on_card(this, result_, [path] { return verify_file(path); }, [this](bool on) { busy(on); });
}

}  // namespace akis::gui
