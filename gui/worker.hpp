// SPDX-License-Identifier: LGPL-2.1-or-later
// The card thread: every card operation of the window runs here, one after another (QtConcurrent on a
// pool of one thread), never on the UI thread.
#pragma once

#include <QThreadPool>

namespace akis::gui {

inline QThreadPool* card_pool() {
  static QThreadPool* pool = [] {
    auto* p = new QThreadPool;
    p->setMaxThreadCount(1);
    return p;
  }();
  return pool;
}

}  // namespace akis::gui
