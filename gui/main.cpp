// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-gui: the desktop card manager for AKİS cards (docs/gui.md).
#include <QApplication>
#include <QIcon>

#include "app.hpp"
#include "main_window.hpp"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("akis-gui");
  QApplication::setDesktopFileName("akis-gui");
  QApplication::setWindowIcon(QIcon::fromTheme("akis-gui"));
  akis::gui::install_translation(app);
  akis::gui::MainWindow w;
  w.show();
  return app.exec();
}
