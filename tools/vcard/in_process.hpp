// SPDX-License-Identifier: LGPL-2.1-or-later
// The virtual card as an in-process Transport, with fault injection for unit tests:
// card removal after N commands, a reset by "another program", and rewritten (malformed) responses.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "akis/error.hpp"
#include "akis/transport.hpp"
#include "virtual_card.hpp"

namespace akis::vcard {

class InProcessTransport final : public Transport {
 public:
  explicit InProcessTransport(std::shared_ptr<VirtualCard> card, std::string name = "Virtual In-Process Reader")
      : card_(std::move(card)), name_(std::move(name)) {}

  Bytes transmit(ByteView apdu) override {
    if (removed_) throw CardError(Err::CardRemoved, "card removed (injected)");
    if (remove_after_ == 0) {
      removed_ = true;
      throw CardError(Err::CardRemoved, "card removed mid-command (injected)");
    }
    if (remove_after_ > 0) --remove_after_;
    if (reset_pending_) {
      reset_pending_ = false;
      card_->reset();
      throw CardError(Err::CardReset, "card reset by another program (injected)");
    }
    Bytes resp = card_->process(apdu);
    ++sent_;
    if (rewrite_) {
      if (auto r = rewrite_(apdu, resp)) return *r;
    }
    return resp;
  }
  Bytes atr() const override { return card_->atr(); }
  std::string name() const override { return name_; }
  void reconnect(bool reset) override {
    if (removed_) throw CardError(Err::CardRemoved, "card removed");
    if (reset) card_->reset();
  }

  // Faults
  void remove_after(int commands) { remove_after_ = commands; }
  void remove_now() { removed_ = true; }
  void reinsert() { removed_ = false; remove_after_ = -1; card_->power_on(); }
  void reset_before_next() { reset_pending_ = true; }
  // Return a replacement response for (command, real response), or nullopt to keep it.
  void rewrite(std::function<std::optional<Bytes>(ByteView, const Bytes&)> f) { rewrite_ = std::move(f); }
  std::size_t sent() const { return sent_; }
  VirtualCard& card() { return *card_; }

 private:
  std::shared_ptr<VirtualCard> card_;
  std::string name_;
  int remove_after_ = -1;
  bool removed_ = false;
  bool reset_pending_ = false;
  std::size_t sent_ = 0;
  std::function<std::optional<Bytes>(ByteView, const Bytes&)> rewrite_;
};

}  // namespace akis::vcard
