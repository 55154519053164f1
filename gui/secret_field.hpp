// SPDX-License-Identifier: LGPL-2.1-or-later
// The PIN fields and the on-screen keypad of every dialog that asks for a PIN or PUK (pin_dialog.*,
// unlock_dialog.*, sign_dialog.*): bullets only, no copy, drag or context menu, input-method hints for sensitive text, never
// logged; the text taken out as an akis::Secret with its UTF-8 copy overwritten.
#pragma once

#include <QString>
#include <utility>

#include "akis/bytes.hpp"

class QBoxLayout;
class QFormLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QWidget;

namespace akis::gui {

// A PIN field with its label (a buddy) added to `form`; the label text is also its accessible name.
QLineEdit* secret_field(QWidget* dialog, const QString& object_name, const QString& label_text, QFormLayout* form);
// The field's text as a Secret; the UTF-8 copy is overwritten before it is freed.
Secret take(QLineEdit* e);
// Digits and delete; the buttons never take the focus and type into the focused line edit of `dialog` that
// takes digits (Qt::ImhDigitsOnly: a PIN, PUK or code field, never a file name), `fallback` otherwise.
QWidget* keypad(QWidget* dialog, QLineEdit* fallback);

// The bottom of a card dialog, added to `layout`: the message line (object name "message") and the hidden,
// indeterminate busy bar shown while the card works; the accessible names come translated from the dialog.
std::pair<QLabel*, QProgressBar*> status_widgets(QWidget* dialog, QBoxLayout* layout, const QString& message_name, const QString& busy_name);

}  // namespace akis::gui
