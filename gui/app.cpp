// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app.hpp"

#include <QApplication>
#include <QTranslator>

#include "messages.hpp"

namespace akis::gui {

bool install_translation(QApplication& app) {
  if (!cli::turkish()) return true;
  auto* t = new QTranslator(&app);
  const QString dirs[] = {qEnvironmentVariable("AKIS_GUI_TRANSLATIONS"), QString(AKIS_GUI_BUILD_QM),
                          QString(AKIS_GUI_INSTALLED_QM)};
  for (const QString& d : dirs)
    if (!d.isEmpty() && t->load("akis-gui_tr", d)) return app.installTranslator(t);
  return false;
}

}  // namespace akis::gui
