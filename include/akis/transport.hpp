// SPDX-License-Identifier: LGPL-2.1-or-later
// The link to one card: PC/SC in production, the in-process virtual card in unit tests.
#pragma once

#include "akis/bytes.hpp"

namespace akis {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one APDU as bytes, returns the card's answer (data + SW1 SW2). Throws CardError.
  virtual Bytes transmit(ByteView apdu) = 0;
  // The ATR of the card currently connected.
  virtual Bytes atr() const = 0;
  // Exclusive use of the card for a sequence of commands (SCardBeginTransaction). May throw CardReset
  // after reconnecting when another program reset the card in between.
  virtual void begin_transaction() {}
  virtual void end_transaction() {}
  // Reconnects after a reset or power cycle; `reset` asks for a warm reset.
  virtual void reconnect(bool reset) { (void)reset; }
  // Name shown to users (PC/SC reader name).
  virtual std::string name() const = 0;
};

// Holds a transaction for the life of the object. A failure to end it is ignored (the card is gone).
class Transaction {
 public:
  explicit Transaction(Transport& t) : t_(t) { t_.begin_transaction(); }
  ~Transaction() {
    try { t_.end_transaction(); } catch (...) {}
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Transport& t_;
};

}  // namespace akis
