// In-process readers for module tests: cards can be inserted, removed, reset and replaced while the
// module runs; transports of a removed card fail as PC/SC ones do.
#pragma once

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

  // Backend side
  std::vector<pcsc::ReaderState> states();
  std::unique_ptr<Transport> connect(const std::string& reader);
  bool wait(const std::vector<pcsc::ReaderState>& known, std::chrono::milliseconds timeout);
  void cancel();
  std::size_t commands() const { return commands_; }

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
};

std::unique_ptr<p11::Backend> make_virtual_backend();

}  // namespace akis::test
