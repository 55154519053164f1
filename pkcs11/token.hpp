// A card in a slot, seen as a PKCS#11 token: the card, its objects, and the application-wide login.
#pragma once

#include <atomic>
#include <chrono>
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
  const std::vector<Object>& objects() const { return objects_; }
  const Object* object(CK_OBJECT_HANDLE h) const;
  CK_TOKEN_INFO info();

  Login login() const { return login_.load(); }
  void set_login(Login l) { login_ = l; }
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
  std::vector<Object> objects_;
  std::atomic<Login> login_{Login::None};
  std::mutex pin_mutex_;
  PinCounters pins_;
  std::string label_;
};

}  // namespace akis::p11
