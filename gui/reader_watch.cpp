// SPDX-License-Identifier: LGPL-2.1-or-later
#include "reader_watch.hpp"

namespace akis::gui {

ReaderWatch::ReaderWatch(QObject* parent) : QObject(parent), monitor_(std::make_unique<pcsc::ReaderMonitor>()) {
  thread_ = QThread::create([this] {
    unsigned long seen = monitor_->version();
    while (!stop_.load()) {
      // Blocks until the monitor publishes; the timeout only bounds how long a stop request waits.
      if (!monitor_->wait_newer(seen, std::chrono::milliseconds(500))) continue;
      seen = monitor_->version();
      emit changed();
    }
  });
  thread_->start();
}

ReaderWatch::~ReaderWatch() {
  stop_ = true;
  monitor_->cancel_waits();
  thread_->wait();
  delete thread_;
}

}  // namespace akis::gui
