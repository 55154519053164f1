// A card in a slot, seen as a PKCS#11 token: the card, its objects, and the application-wide login.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "akis/card.hpp"
#include "object.hpp"

namespace akis::p11 {

enum class Login { None, User, SO };

class Token {
 public:
  // Reads the card's public content once (profile, certificates, public keys) and builds the objects.
  // Throws CardError(FileNotFound) for a card without the e-signature application.
  Token(std::unique_ptr<Transport> transport, CK_SLOT_ID slot, CK_OBJECT_HANDLE first_handle);

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
  CK_TOKEN_INFO info();

  Login login() const { return login_.load(); }
  void set_login(Login l) { login_ = l; }
  // Logs the card out unless another process is still logged in to it (login_registry.hpp).
  void logout_card();
  // Forget cached PIN counters (after a PIN operation).
  void pin_state_changed();

  // Runs a card operation; after a reset by another program, confirms it is still this card,
  // drops the login (the card's security state is gone) and reports CKR_USER_NOT_LOGGED_IN.
  template <class F>
  decltype(auto) io(F&& fn) {
    try {
      return fn(card_);
    } catch (const CardError& e) {
      if (e.code() == Err::CardReset) after_reset();
      throw;
    }
  }

 private:
  void after_reset();
  struct PinCounters {
    PinStatus user, so;
    std::chrono::steady_clock::time_point read_at{};
    bool valid = false;
  };
  Card card_;
  const CardProfile* profile_;
  CK_SLOT_ID slot_;
  std::list<Object> objects_;  // stable addresses: operations keep pointers to their key objects
  mutable std::mutex objects_mutex_;
  CK_OBJECT_HANDLE next_handle_ = 0;
  std::atomic<Login> login_{Login::None};
  std::mutex pin_mutex_;
  PinCounters pins_;
  std::string label_;
};

}  // namespace akis::p11
