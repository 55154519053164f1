// SPDX-License-Identifier: LGPL-2.1-or-later
#include "secret_field.hpp"

#include <QBoxLayout>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QCoreApplication>

namespace akis::gui {

QLineEdit* secret_field(QWidget* dialog, const QString& name, const QString& label_text, QFormLayout* form) {
  auto* e = new QLineEdit(dialog);
  e->setObjectName(name);
  e->setEchoMode(QLineEdit::Password);  // bullets only; copy and drag are off in this mode
  e->setInputMethodHints(Qt::ImhHiddenText | Qt::ImhSensitiveData | Qt::ImhNoPredictiveText | Qt::ImhDigitsOnly);
  e->setMaxLength(16);
  e->setAccessibleName(QString(label_text).remove('&'));
  e->setContextMenuPolicy(Qt::NoContextMenu);
  auto* l = new QLabel(label_text, dialog);
  l->setBuddy(e);
  form->addRow(l, e);
  return e;
}

Secret take(QLineEdit* e) {
  QByteArray b = e->text().toUtf8();
  Secret s(std::string_view(b.constData(), static_cast<std::size_t>(b.size())));
  b.fill('\0');
  return s;
}

QWidget* keypad(QWidget* dialog, QLineEdit* fallback) {
  auto* w = new QWidget(dialog);
  w->setAccessibleName(QCoreApplication::translate("akis::gui::Keypad", "On-screen keypad"));
  auto* grid = new QGridLayout(w);
  auto key = [&](const QString& text, const QString& accessible, const QString& name, int row, int col, auto&& action) {
    auto* b = new QPushButton(text, w);
    b->setFocusPolicy(Qt::NoFocus);  // the PIN field keeps the focus
    b->setAccessibleName(accessible);
    b->setObjectName("key" + name);  // key0 ... key9, keyDelete in every language
    QObject::connect(b, &QPushButton::clicked, dialog, action);
    grid->addWidget(b, row, col);
  };
  auto target = [dialog, fallback]() -> QLineEdit* {
    auto* f = qobject_cast<QLineEdit*>(dialog->focusWidget());
    return f && (f->inputMethodHints() & Qt::ImhDigitsOnly) ? f : fallback;
  };
  for (int d = 1; d <= 10; ++d) {
    const QString digit = QString::number(d % 10);
    key(digit, digit, digit, d == 10 ? 3 : (d - 1) / 3, d == 10 ? 1 : (d - 1) % 3,
        [target, digit] { target()->insert(digit); });
  }
  key(QString::fromUtf8("⌫"), QCoreApplication::translate("akis::gui::Keypad", "Delete"), "Delete", 3, 2,
      [target] { target()->backspace(); });
  return w;
}

std::pair<QLabel*, QProgressBar*> status_widgets(QWidget* dialog, QBoxLayout* layout, const QString& message_name, const QString& busy_name) {
  auto* message = new QLabel(dialog);
  message->setObjectName("message");
  message->setWordWrap(true);
  message->setAccessibleName(message_name);
  layout->addWidget(message);
  auto* busy = new QProgressBar(dialog);
  busy->setRange(0, 0);  // indeterminate: the card (and the service) are working
  busy->setAccessibleName(busy_name);
  busy->setVisible(false);
  layout->addWidget(busy);
  return {message, busy};
}

}  // namespace akis::gui
