// SPDX-License-Identifier: LGPL-2.1-or-later
// In-process readers for module tests: cards can be inserted, removed, reset and replaced while the
// module runs; transports of a removed card fail as PC/SC ones do.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "akis/error.hpp"
#include "backend.hpp"
#include "virtual_card.hpp"

namespace akis::test {

class VirtualReaders {
 public:
  static VirtualReaders& instance();
  void add_reader(const std::string& name);
  void remove_reader(const std::string& name);
  void insert(const std::string& reader, std::shared_ptr<vcard::VirtualCard> card);
  void remove(const std::string& reader);
  void reset_card(const std::string& reader);  // another program resets the card
  void clear();
  // Every command takes this long (so that calls from several threads overlap as they do on a real card).
  void set_command_delay(std::chrono::milliseconds d) { delay_ = d; }

  // Backend side
  std::vector<pcsc::ReaderState> states();
  std::unique_ptr<Transport> connect(const std::string& reader);
  bool wait(const std::vector<pcsc::ReaderState>& known, std::chrono::milliseconds timeout);
  void cancel();
  std::size_t commands() const { return commands_; }
  std::size_t verifies() const { return verifies_; }  // VERIFY commands carrying a PIN (each may spend a try)

 private:
  struct Reader {
    std::shared_ptr<vcard::VirtualCard> card;
    unsigned long events = 0;
    unsigned long generation = 0;  // changes on every insertion and removal
    unsigned long resets = 0;
  };
  friend class VirtualReaderTransport;
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::map<std::string, Reader> readers_;
  bool cancelled_ = false;
  unsigned long change_ = 0;
  std::size_t commands_ = 0;
  std::size_t verifies_ = 0;
  std::atomic<std::chrono::milliseconds> delay_{std::chrono::milliseconds(0)};
};

std::unique_ptr<p11::Backend> make_virtual_backend();

}  // namespace akis::test
