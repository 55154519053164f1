// SPDX-License-Identifier: LGPL-2.1-or-later
#include "virtual_backend.hpp"

#include <thread>

namespace akis::test {

class VirtualReaderTransport final : public Transport {
 public:
  VirtualReaderTransport(VirtualReaders& r, std::string name, unsigned long gen, unsigned long resets)
      : r_(r), name_(std::move(name)), gen_(gen), resets_(resets) {}
  Bytes transmit(ByteView apdu) override {
    std::shared_ptr<vcard::VirtualCard> card;
    {
      std::lock_guard l(r_.m_);
      auto it = r_.readers_.find(name_);
      if (it == r_.readers_.end() || !it->second.card || it->second.generation != gen_)
        throw CardError(Err::CardRemoved, "card removed");
      if (it->second.resets != resets_) {
        resets_ = it->second.resets;
        throw CardError(Err::CardReset, "card reset by another program");
      }
      card = it->second.card;
      ++r_.commands_;
      if (apdu.size() > 5 && apdu[1] == 0x20) ++r_.verifies_;
    }
    if (auto d = r_.delay_.load(); d.count() > 0) std::this_thread::sleep_for(d);
    return card->process(apdu);
  }
  Bytes atr() const override {
    std::lock_guard l(r_.m_);
    auto it = r_.readers_.find(name_);
    return it != r_.readers_.end() && it->second.card ? it->second.card->atr() : Bytes{};
  }
  std::string name() const override { return name_; }

 private:
  VirtualReaders& r_;
  std::string name_;
  unsigned long gen_, resets_;
};

VirtualReaders& VirtualReaders::instance() {
  static VirtualReaders r;
  return r;
}

void VirtualReaders::add_reader(const std::string& name) {
  std::lock_guard l(m_);
  readers_[name];
  ++change_;
  cv_.notify_all();
}
void VirtualReaders::remove_reader(const std::string& name) {
  std::lock_guard l(m_);
  readers_.erase(name);
  ++change_;
  cv_.notify_all();
}
void VirtualReaders::insert(const std::string& reader, std::shared_ptr<vcard::VirtualCard> card) {
  std::lock_guard l(m_);
  auto& r = readers_[reader];
  card->power_on();
  r.card = std::move(card);
  ++r.events;
  ++r.generation;
  ++change_;
  cv_.notify_all();
}
void VirtualReaders::remove(const std::string& reader) {
  std::lock_guard l(m_);
  auto& r = readers_[reader];
  r.card.reset();
  ++r.events;
  ++r.generation;
  ++change_;
  cv_.notify_all();
}
void VirtualReaders::reset_card(const std::string& reader) {
  std::lock_guard l(m_);
  auto& r = readers_[reader];
  if (r.card) r.card->reset();
  ++r.resets;
}
void VirtualReaders::clear() {
  std::lock_guard l(m_);
  readers_.clear();
  cancelled_ = false;
  commands_ = 0;
  verifies_ = 0;
  delay_ = std::chrono::milliseconds(0);
}

std::vector<pcsc::ReaderState> VirtualReaders::states() {
  std::lock_guard l(m_);
  std::vector<pcsc::ReaderState> out;
  for (auto& [name, r] : readers_) {
    pcsc::ReaderState s;
    s.name = name;
    s.present = r.card != nullptr;
    if (r.card) s.atr = r.card->atr();
    s.event_count = r.events;
    out.push_back(s);
  }
  return out;
}

std::unique_ptr<Transport> VirtualReaders::connect(const std::string& reader) {
  std::lock_guard l(m_);
  auto it = readers_.find(reader);
  if (it == readers_.end()) throw CardError(Err::NoReader, "no such reader");
  if (!it->second.card) throw CardError(Err::NoCard, "no card");
  return std::make_unique<VirtualReaderTransport>(*this, reader, it->second.generation, it->second.resets);
}

bool VirtualReaders::wait(const std::vector<pcsc::ReaderState>& known, std::chrono::milliseconds timeout) {
  std::unique_lock l(m_);
  auto differs = [&] {
    if (cancelled_) return true;
    if (known.size() != readers_.size()) return true;
    for (auto& k : known) {
      auto it = readers_.find(k.name);
      if (it == readers_.end() || it->second.events != k.event_count) return true;
    }
    return false;
  };
  if (timeout.count() < 0) cv_.wait(l, differs);
  else cv_.wait_for(l, timeout, differs);
  bool was_cancelled = cancelled_;
  cancelled_ = false;
  return !was_cancelled;
}

void VirtualReaders::cancel() {
  std::lock_guard l(m_);
  cancelled_ = true;
  cv_.notify_all();
}

namespace {
class VirtualBackend final : public p11::Backend {
 public:
  std::vector<pcsc::ReaderState> readers() override { return VirtualReaders::instance().states(); }
  std::unique_ptr<Transport> connect(const std::string& reader) override {
    return VirtualReaders::instance().connect(reader);
  }
  bool wait_for_change(const std::vector<pcsc::ReaderState>& known, std::chrono::milliseconds t) override {
    return VirtualReaders::instance().wait(known, t);
  }
  void cancel_wait() override { VirtualReaders::instance().cancel(); }
};
}  // namespace

std::unique_ptr<p11::Backend> make_virtual_backend() { return std::make_unique<VirtualBackend>(); }

}  // namespace akis::test
