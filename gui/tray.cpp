// SPDX-License-Identifier: LGPL-2.1-or-later
#include "tray.hpp"

#include <QApplication>
#include <QIcon>
#include <QMenu>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QWidget>

#include "notice.hpp"

namespace akis::gui {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
QIcon app_icon() {
  QIcon icon = QApplication::windowIcon();
  return icon.isNull() ? QApplication::style()->standardIcon(QStyle::SP_DriveHDIcon) : icon;
}
}  // namespace

QString tray_summary(const std::map<std::string, CardReport>& reports) {
  QString out = Tray::tr("AKİS card manager");
  bool any = false;
  for (auto& [reader, r] : reports) {
    auto lines = notice_lines(r);
    if (lines.empty()) continue;
    any = true;
    out += "\n" + q(r.holder.empty() ? reader : r.holder) + ":";
    for (auto& l : lines) out += "\n  " + q(l);
  }
  if (!any) out += "\n" + Tray::tr("No card needs attention.");
  return out;
}

Tray* Tray::create(QWidget* window) {
  if (!QSystemTrayIcon::isSystemTrayAvailable()) return nullptr;
  return new Tray(window);
}

Tray::Tray(QWidget* window) : QObject(window), window_(window) {
  icon_ = new QSystemTrayIcon(app_icon(), this);
  menu_ = std::make_unique<QMenu>();
  menu_->setAccessibleName(tr("Card manager menu"));
  connect(menu_->addAction(tr("&Show the card manager")), &QAction::triggered, this, &Tray::show_window);
  connect(menu_->addAction(tr("&Quit")), &QAction::triggered, window, &QWidget::close);
  icon_->setContextMenu(menu_.get());
  connect(icon_, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason why) {
    if (why == QSystemTrayIcon::Trigger || why == QSystemTrayIcon::DoubleClick) show_window();
  });
  update({});
  icon_->show();
}

Tray::~Tray() {
  // The actions leave the menu while it is still a QMenu: Qt frees their platform (D-Bus) menu items only then
  // (destroyed with the menu, they would stay allocated).
  icon_->setContextMenu(nullptr);
  menu_->clear();
}

void Tray::show_window() {
  window_->show();
  window_->raise();
  window_->activateWindow();
}

void Tray::update(const std::map<std::string, CardReport>& reports) {
  bool warn = false;
  for (auto& entry : reports) warn = warn || !notice_lines(entry.second).empty();
  if (warn != warning_ || icon_->icon().isNull()) {
    warning_ = warn;
    icon_->setIcon(warn ? QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning) : app_icon());
  }
  icon_->setToolTip(tray_summary(reports));
}

QString Tray::tooltip() const { return icon_->toolTip(); }

}  // namespace akis::gui
