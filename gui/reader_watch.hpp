// SPDX-License-Identifier: LGPL-2.1-or-later
// The readers and cards, live: the process's one akis::pcsc::ReaderMonitor (the module's monitor, in the
// apdu library) and a thread blocked in its wait_newer(); each new snapshot becomes a queued signal on
// the UI thread. No polling of pcscd of its own.
#pragma once

#include <QObject>
#include <QThread>
#include <atomic>
#include <memory>

#include "akis/reader_monitor.hpp"

namespace akis::gui {

class ReaderWatch : public QObject {
  Q_OBJECT
 public:
  explicit ReaderWatch(QObject* parent = nullptr);
  ~ReaderWatch() override;
  pcsc::ReaderMonitor::Snapshot snapshot() const { return monitor_->snapshot(); }

 signals:
  void changed();  // a newer snapshot exists (readers, cards or the service itself)

 private:
  std::unique_ptr<pcsc::ReaderMonitor> monitor_;
  std::atomic<bool> stop_{false};
  QThread* thread_ = nullptr;
};

}  // namespace akis::gui
