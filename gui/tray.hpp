// SPDX-License-Identifier: LGPL-2.1-or-later
// The optional tray icon (QSystemTrayIcon, only where the desktop offers a tray: a StatusNotifierItem host or
// an X11 system tray). Its tooltip names the cards that need attention (the expiry notice's reasons, with the way
// out) and its icon turns to a warning then; a click shows the window, the menu shows it or quits. The desktop
// notification (notice.hpp) stays the way a notice is announced, with or without a tray.
#pragma once

#include <QObject>
#include <QString>
#include <map>
#include <memory>
#include <string>

#include "card_service.hpp"

class QMenu;
class QSystemTrayIcon;
class QWidget;

namespace akis::gui {

// The tooltip: one line per card that needs attention (holder or reader, then its notice lines), or a line saying
// that none does.
QString tray_summary(const std::map<std::string, CardReport>& reports);

class Tray : public QObject {
  Q_OBJECT
 public:
  // nullptr when the desktop has no tray.
  static Tray* create(QWidget* window);
  ~Tray() override;
  void update(const std::map<std::string, CardReport>& reports);
  QString tooltip() const;
  bool warning() const { return warning_; }

 private:
  explicit Tray(QWidget* window);
  void show_window();

  QWidget* window_;
  QSystemTrayIcon* icon_ = nullptr;
  std::unique_ptr<QMenu> menu_;
  bool warning_ = false;
};

}  // namespace akis::gui
