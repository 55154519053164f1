// SPDX-License-Identifier: LGPL-2.1-or-later
// The card view: readers and their cards as the reader monitor reports them (reader_watch.hpp), the
// selected card's holder, number, family, PIN/PUK tries and certificates (days left, a warning colour
// under kWarnDays), and the actions: certificate details and export, PIN change, PUK unblock, online unlock.
#pragma once

#include <QMainWindow>
#include <map>
#include <string>

#include "card_service.hpp"
#include "pin_dialog.hpp"

class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QAction;

namespace akis::gui {

class ReaderWatch;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  const std::map<std::string, CardReport>& reports() const { return reports_; }
  QListWidget* reader_list() const { return readers_; }
  QTableWidget* certificate_table() const { return certs_; }
  // Opens the dialog for the selected card (non-modal to the event loop); nullptr without a card.
  PinDialog* open_pin_dialog(PinDialog::Mode mode);
  // The online unlock of the selected card (offered when its PIN is blocked and it has no PUK); nullptr otherwise.
  class UnlockDialog* open_unlock_dialog();
  void open_details();
  class SignDialog* open_sign_dialog();
  bool busy() const { return pending_ > 0; }
  class Tray* tray() const { return tray_; }  // nullptr where the desktop has no tray

 signals:
  void report_ready(const QString& reader);  // a card was read (or failed to read) after a change

 private:
  void readers_changed();
  void load(const std::string& reader);
  void show_selected();
  void export_certificate();
  const CardReport* selected() const;
  void set_busy(int delta);

  ReaderWatch* watch_ = nullptr;
  QListWidget* readers_ = nullptr;
  QLabel *holder_ = nullptr, *id_label_ = nullptr, *id_ = nullptr, *family_ = nullptr, *serial_ = nullptr,
         *pin_ = nullptr, *puk_ = nullptr, *puk_label_ = nullptr, *card_message_ = nullptr;
  QTableWidget* certs_ = nullptr;
  QPushButton *details_ = nullptr, *export_ = nullptr, *change_ = nullptr, *unblock_ = nullptr, *online_ = nullptr,
              *sign_ = nullptr;
  QProgressBar* busy_ = nullptr;
  QAction* notify_ = nullptr;
  class Tray* tray_ = nullptr;
  int pending_ = 0;
  std::map<std::string, std::string> loaded_atr_;  // reader -> ATR and insertion count the report was read for
  std::map<std::string, CardReport> reports_;
  std::map<std::string, std::string> errors_;      // reader -> why the card could not be read
  std::map<std::string, bool> notified_;           // card serial -> notice sent this session
};

}  // namespace akis::gui
