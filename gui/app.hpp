// SPDX-License-Identifier: LGPL-2.1-or-later
// Application set-up shared by akis-gui and its tests: the language (the akis catalogue's choice from
// LANGUAGE/LC_ALL/LC_MESSAGES/LANG, so window and card messages always agree) and its Qt translation.
#pragma once

class QApplication;

namespace akis::gui {
// Loads akis-gui_tr.qm when the user's language is Turkish; false when it should and could not.
bool install_translation(QApplication& app);
}  // namespace akis::gui
