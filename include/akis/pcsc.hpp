// SPDX-License-Identifier: LGPL-2.1-or-later
// PC/SC (pcsc-lite) access: the only part of the project that includes winscard.h.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "akis/transport.hpp"

namespace akis::pcsc {

struct ReaderState {
  std::string name;
  bool present = false;     // a card is in the reader
  bool exclusive = false;   // another program holds it exclusively
  bool mute = false;        // a card that does not answer
  Bytes atr;
  unsigned long event_count = 0;  // increases on every insertion/removal (upper 16 bits of dwEventState)
};

// One PC/SC context. Thread safe for list/status; wait() may be cancelled from another thread.
class Context {
 public:
  Context();   // throws CardError(NoService) when pcscd does not run
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  std::vector<std::string> readers();        // empty list when there are none
  std::vector<ReaderState> states();         // readers with card presence and ATR
  // Blocks until a reader's state differs from `known` (or a reader appears/disappears) or timeout.
  // Returns false on timeout or cancel.
  bool wait_for_change(const std::vector<ReaderState>& known, std::chrono::milliseconds timeout);
  void cancel();                             // wakes wait_for_change
  bool valid();

  // Opaque handle for the transport.
  long handle() const { return ctx_; }

 private:
  long ctx_ = 0;
};

// Where a transport gets a new context when pcscd was restarted under it: returns a working context
// other than `dead` (the backend's shared one, renewed if it is `dead`). Throws CardError(NoService).
using ContextSource = std::function<std::shared_ptr<Context>(const Context* dead)>;

// A shared connection to the card in one reader.
// Transactions nest: only the outermost begin/end reach pcscd, so a caller can hold one across several
// Card operations (the login registry does) while each operation still opens its own.
// When the PC/SC service is lost (pcscd restarted), the transport connects again through `contexts` and
// reports CardReset: the card was powered down, its security state is gone, the caller re-validates.
class PcscTransport final : public Transport {
 public:
  PcscTransport(std::shared_ptr<Context> ctx, std::string reader,
                ContextSource contexts = {});  // throws CardError(NoCard/...)
  ~PcscTransport() override;

  Bytes transmit(ByteView apdu) override;
  Bytes atr() const override;
  void begin_transaction() override;
  void end_transaction() override;
  void reconnect(bool reset) override;
  std::string name() const override { return reader_; }
  // T=0 or T=1, as negotiated.
  int protocol() const { return static_cast<int>(protocol_); }

 private:
  void connect();
  void reconnect_locked(bool reset);
  void refresh_atr();
  bool card_gone();  // after a failed exchange: true when the card has left the reader
  // `rc` says the service (pcscd) is gone: reconnect on a new context, then throw CardReset (or the reason
  // it failed). Returns when `rc` is not such a code.
  void revive_if_service_lost(long rc);
  std::shared_ptr<Context> ctx_;
  ContextSource contexts_;
  std::string reader_;
  long card_ = 0;
  unsigned long protocol_ = 0;
  Bytes atr_;
  mutable std::recursive_mutex mutex_;  // the handle (replaced by a revival) and the transaction depth
  int tx_depth_ = 0;
};

// Text for a PC/SC return code ("SCARD_E_NO_SERVICE").
std::string rc_name(long rc);

}  // namespace akis::pcsc
