// SPDX-License-Identifier: LGPL-2.1-or-later
// A card in a slot, seen as a PKCS#11 token: the card, its objects, and the application-wide login.
//
// Locks, in the only order they are taken: a session's mutex -> login_mutex_ (login state transitions) or
// data_mutex_ (data objects on the card; never both) -> the card's own lock (Card, with its PC/SC
// transaction). pin_mutex_ and objects_mutex_ are leaves: never held during card I/O. The reset path (after_reset) takes no token lock at all, so it can run
// inside any card operation.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "akis/card.hpp"
#include "checked_mutex.hpp"
#include "object.hpp"

namespace akis::p11 {

enum class Login { None, User, SO };

class Token {
 public:
  // Reads the card's public content once (profile, certificates, public keys) and builds the objects.
  // Throws CardError(FileNotFound) for a card without the e-signature application.
  Token(std::unique_ptr<Transport> transport, CK_SLOT_ID slot, CK_OBJECT_HANDLE first_handle);
  ~Token();

  Card& card() { return card_; }
  const CardProfile& profile() const { return *profile_; }
  CK_SLOT_ID slot() const { return slot_; }
  const Object* object(CK_OBJECT_HANDLE h) const;
  // Handles of the objects matching `pred` (under the objects lock).
  template <class P>
  std::vector<CK_OBJECT_HANDLE> find(P&& pred) const {
    std::lock_guard lock(objects_mutex_);
    std::vector<CK_OBJECT_HANDLE> out;
    for (auto& o : objects_)
      if (pred(o)) out.push_back(o.handle);
    return out;
  }
  // Certificates written or removed through C_CreateObject / C_DestroyObject.
  CK_OBJECT_HANDLE add_certificate(const std::string& label, ByteView id, bool authority, ByteView der);
  void remove_certificate(CK_OBJECT_HANDLE h);
  // Data objects on the card (PKCS#15 DODF, token_data.cpp): read the first time a search or a write needs them,
  // then kept for this insertion like the rest of the card's content; never in the cross-process cache. Private
  // ones are left out (logged). Lock order: a session's mutex -> data_mutex_ -> the card's lock.
  void load_data_objects();
  bool has_dodf() const { return !profile_->dodf_paths.empty(); }
  CK_OBJECT_HANDLE add_data_object(const DataObjectInfo& info, ByteView value);
  void remove_data_object(CK_OBJECT_HANDLE h);
  // New attributes and/or value (nullopt: the value stays); the object keeps its handle.
  void update_data_object(CK_OBJECT_HANDLE h, const DataObjectInfo& info, std::optional<ByteView> value);
  // Never fails because the card refused to tell its PIN counters: the counter flags are then left out.
  CK_TOKEN_INFO info();

  // The login state machine, one transition at a time per token. log_in() waits for a login under way in
  // another thread; if that one succeeded for the same user, CKR_USER_ALREADY_LOGGED_IN without any
  // command; if it failed, this one sends its own VERIFY. After a reset by another program it simply logs in.
  Login login() const { return login_.load(); }
  void log_in(Login who, const PinInfo& pin, const Secret& value);
  // C_Logout, the last session closed, C_Finalize: the card is logged out unless another process is still
  // logged in to it (login_registry.hpp). Card errors propagate; the login is gone in any case.
  void log_out();
  // Forget cached PIN counters (after a PIN operation).
  void pin_state_changed();

  // Runs a card operation. After a reset by another program (or a pcscd restart) it confirms that this is
  // still the same card and drops the login, then rethrows CardReset. A "security status not satisfied"
  // while logged in drops the login only when the card confirms (without spending a try) that its PIN is
  // no longer verified; otherwise the login stays (one refused operation is not a logout).
  template <class F>
  decltype(auto) io(F&& fn) {
    try {
      return fn(card_);
    } catch (const CardError& e) {
      if (e.code() == Err::CardReset) after_reset();
      else if (e.code() == Err::SecurityStatus) check_login_still_on_card();
      throw;
    }
  }
  // The same for operations that do not depend on the login (token info, reading, random): after a
  // reset they run once more instead of failing.
  template <class F>
  decltype(auto) io_retrying(F&& fn) {
    try {
      return io(fn);
    } catch (const CardError& e) {
      if (e.code() != Err::CardReset) throw;
    }
    return io(fn);
  }

 private:
  void after_reset();
  void forget_login();  // the card lost it (reset, removal): registry entry removed, no card command
  void check_login_still_on_card();
  void verify_registered(const PinInfo& pin, const Secret& value);
  bool counters_readable() const;
  struct PinCounters {
    PinStatus user, so;
    std::chrono::steady_clock::time_point read_at{};
    bool valid = false, known = false;
  };
  PinCounters counters();

  Card card_;
  const CardProfile* profile_;
  CK_SLOT_ID slot_;
  std::list<Object> objects_;  // stable addresses: operations keep pointers to their key objects
  std::list<Object> retired_;  // removed or replaced objects: a reader may still hold a pointer to one
  void retire_locked(CK_OBJECT_HANDLE h);  // under objects_mutex_: moves the object to retired_
  CheckedMutex data_mutex_{"token data objects lock"};
  bool data_loaded_ = false;  // under data_mutex_
  mutable CheckedMutex objects_mutex_{"token objects lock"};
  CK_OBJECT_HANDLE next_handle_ = 0;
  std::atomic<Login> login_{Login::None};
  CheckedMutex login_mutex_{"token login lock"};
  CheckedMutex pin_mutex_{"PIN counter lock"};
  PinCounters pins_;
  std::string label_;
};

}  // namespace akis::p11
