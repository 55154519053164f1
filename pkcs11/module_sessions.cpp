// SPDX-License-Identifier: LGPL-2.1-or-later
#include "module.hpp"

#include <cstring>

#include "errors.hpp"
#include "login_registry.hpp"

namespace akis::p11 {

// Sessions

std::shared_ptr<Session> Module::session(CK_SESSION_HANDLE h) {
  std::lock_guard g(lock_);
  auto it = sessions_.find(h);
  if (it == sessions_.end()) fail(CKR_SESSION_HANDLE_INVALID);
  return it->second;
}

void Module::card_gone(const std::shared_ptr<Token>& t) {
  std::lock_guard g(lock_);
  for (auto& [id, s] : slots_)
    if (s.token == t) drop_token_locked(s);
}


CK_SESSION_HANDLE Module::open_session(CK_SLOT_ID id, CK_FLAGS flags) {
  if (!(flags & CKF_SERIAL_SESSION)) fail(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  auto t = token_for(id);
  std::lock_guard g(lock_);
  if (!(flags & CKF_RW_SESSION) && t->login() == Login::SO) fail(CKR_SESSION_READ_WRITE_SO_EXISTS);
  auto s = std::make_shared<Session>();
  s->handle = next_session_++;
  s->slot = id;
  s->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
  s->token = t;
  sessions_[s->handle] = s;
  return s->handle;
}

void Module::close_session(CK_SESSION_HANDLE h) {
  std::shared_ptr<Token> t;
  {
    std::lock_guard g(lock_);
    auto it = sessions_.find(h);
    if (it == sessions_.end()) fail(CKR_SESSION_HANDLE_INVALID);
    t = it->second->token;
    sessions_.erase(it);
    for (auto& [sh, s] : sessions_)
      if (s->token == t) return;
  }
  // The last session of the token: the application is logged out (also on the card).
  if (t->login() != Login::None) {
    try {
      watching_removal(t, [&] { t->log_out(); });
    } catch (const CardError&) {
    }
  }
}

void Module::close_all_sessions(CK_SLOT_ID id) {
  std::vector<CK_SESSION_HANDLE> hs;
  {
    std::lock_guard g(lock_);
    slot_locked(id);
    for (auto& [h, s] : sessions_)
      if (s->slot == id) hs.push_back(h);
  }
  for (auto h : hs) {
    try {
      close_session(h);
    } catch (const Rv&) {
    }
  }
}

CK_SESSION_INFO Module::session_info(CK_SESSION_HANDLE h) {
  auto s = session(h);
  CK_SESSION_INFO si{};
  si.slotID = s->slot;
  si.flags = s->flags;
  const bool rw = s->flags & CKF_RW_SESSION;
  switch (s->token->login()) {
    case Login::User: si.state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS; break;
    case Login::SO: si.state = CKS_RW_SO_FUNCTIONS; break;
    case Login::None: si.state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION; break;
  }
  return si;
}

namespace {
bool pin_format_ok(const PinInfo& pin, const Secret& value) { return pin_format(pin, value) == PinFormat::Ok; }
void check_pin_format(const PinInfo& pin, const Secret& value) {
  if (pin_format(pin, value) == PinFormat::BadLength) fail(CKR_PIN_LEN_RANGE);
  if (pin_format(pin, value) == PinFormat::NotDigits) fail(CKR_PIN_INVALID);
}
}  // namespace

void Module::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const Secret& pin) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  Token& t = *s->token;
  const PinInfo* user_pin = t.profile().user_pin();
  // A PIN the card's policy rules out is never sent (no try spent). C_Login may not return
  // CKR_PIN_LEN_RANGE or CKR_PIN_INVALID: it is an incorrect PIN.
  if (user == CKU_CONTEXT_SPECIFIC) {
    bool* context_login = s->context_login();
    if (!context_login) fail(CKR_OPERATION_NOT_INITIALIZED);
    if (t.login() != Login::User) fail(CKR_OPERATION_NOT_INITIALIZED);
    if (!pin_format_ok(*user_pin, pin)) fail(CKR_PIN_INCORRECT);
    try {
      with_card(*s, [&](Card& c) { c.verify(*user_pin, pin); });
    } catch (const CardError&) {
      t.pin_state_changed();
      throw;
    }
    *context_login = true;
    t.pin_state_changed();
    return;
  }
  if (user != CKU_USER && user != CKU_SO) fail(CKR_USER_TYPE_INVALID);
  const Login who = user == CKU_USER ? Login::User : Login::SO;
  if (t.login() == who) fail(CKR_USER_ALREADY_LOGGED_IN);
  if (t.login() != Login::None) fail(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  const PinInfo* pi = user_pin;
  if (user == CKU_SO) {
    pi = t.profile().puk();
    if (!pi) fail(CKR_USER_TYPE_INVALID);  // post-2011 cards: no PUK, unblocked online by the issuer
    std::lock_guard g(lock_);
    for (auto& [sh, other] : sessions_)
      if (other->token == s->token && !(other->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY_EXISTS);
  }
  if (!pin_format_ok(*pi, pin)) fail(CKR_PIN_INCORRECT);
  watching_removal(s->token, [&] { t.log_in(who, *pi, pin); });
}

void Module::logout(CK_SESSION_HANDLE h) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (s->token->login() == Login::None) fail(CKR_USER_NOT_LOGGED_IN);
  {
    std::lock_guard g(lock_);
    for (auto& [sh, other] : sessions_)
      if (other->token == s->token) other->end_find();
  }
  watching_removal(s->token, [&] { s->token->log_out(); });
}

void Module::init_pin(CK_SESSION_HANDLE h, const Secret& pin) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (s->token->login() != Login::SO) fail(CKR_USER_NOT_LOGGED_IN);
  if (!(s->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  const PinInfo* user_pin = s->token->profile().user_pin();
  check_pin_format(*user_pin, pin);
  // The PUK was verified by C_Login(CKU_SO): RESET RETRY COUNTER with the new PIN only.
  // Card::unblock_authorised selects the application and encodes the PIN as the AODF says.
  with_card(*s, [&](Card& c) { c.unblock_authorised(*user_pin, pin); });
  s->token->pin_state_changed();
}

void Module::set_pin(CK_SESSION_HANDLE h, const Secret& old_pin, const Secret& new_pin) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!(s->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  const PinInfo* pi = s->token->login() == Login::SO ? s->token->profile().puk() : s->token->profile().user_pin();
  check_pin_format(*pi, new_pin);
  if (!pin_format_ok(*pi, old_pin)) fail(CKR_PIN_INCORRECT);  // never sent
  try {
    with_card(*s, [&](Card& c) { c.change_pin(*pi, old_pin, new_pin); });
  } catch (const CardError&) {
    s->token->pin_state_changed();
    throw;
  }
  s->token->pin_state_changed();
}
}  // namespace akis::p11
