// SPDX-License-Identifier: LGPL-2.1-or-later
#include "token.hpp"

#include <cstring>

#include "errors.hpp"
#include "log.hpp"
#include "akis/family.hpp"
#include "login_registry.hpp"
#include "public_cache.hpp"

namespace akis::p11 {

namespace {
// Copies UTF-8 text into a blank-padded PKCS#11 field without cutting a multi-byte character.
void pad(CK_UTF8CHAR* field, std::size_t size, const std::string& text) {
  std::memset(field, ' ', size);
  std::size_t n = std::min(size, text.size());
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  std::memcpy(field, text.data(), n);
}
}  // namespace

Token::Token(std::unique_ptr<Transport> transport, CK_SLOT_ID slot, CK_OBJECT_HANDLE first_handle)
    : card_(std::move(transport)), profile_(nullptr), slot_(slot) {
  const bool cache = log::settings().public_cache;
  // A known, unchanged card: its public content from the cache (a few commands instead of the whole directory).
  const bool cached =
      cache && public_cache::any() && card_.adopt([](ByteView serial) { return public_cache::load(serial); });
  profile_ = &card_.profile();
  CardContent content;
  content.profile = profile_;
  for (auto& line : profile_->skipped) log::info("slot %lu: PKCS#15 object left out: %s", static_cast<unsigned long>(slot), line.c_str());
  for (auto& c : profile_->certificates) {
    try {
      content.certificates.emplace_back(&c, card_.certificate(c));
    } catch (const CardError& e) {
      if (e.code() != Err::FileNotFound) throw;  // a CDF entry whose file is gone: the rest of the token works
      log::info("slot %lu: certificate '%s' left out: %s", static_cast<unsigned long>(slot), c.label.c_str(), e.what());
    }
  }
  // A public key file is read only for a key without a certificate: the certificate carries the same key.
  for (auto& k : profile_->public_keys) {
    bool has_cert = false;
    for (auto& c : profile_->certificates) has_cert |= c.id == k.id;
    if (!has_cert) content.public_keys.emplace_back(&k, card_.public_key(k));
  }
  for (auto& o : build_objects(content)) objects_.push_back(std::move(o));
  next_handle_ = first_handle;
  for (auto& o : objects_) o.handle = next_handle_++;
  for (auto& [info, der] : content.certificates) {
    if (info->authority) continue;
    try {
      label_ = token_label_from_certificate(der);
    } catch (const CardError&) {
    }
    if (!label_.empty()) break;
  }
  if (label_.empty()) label_ = profile_->token.label.empty() ? "AKIS" : profile_->token.label;
  log::info("token in slot %lu: %zu objects, label '%s'%s", static_cast<unsigned long>(slot), objects_.size(),
            label_.c_str(), cached ? " (public content from the cache)" : "");
  if (cache && !cached) public_cache::store(card_.public_content());
}

const Object* Token::object(CK_OBJECT_HANDLE h) const {
  std::lock_guard lock(objects_mutex_);
  for (auto& o : objects_)
    if (o.handle == h) return &o;
  return nullptr;
}

CK_OBJECT_HANDLE Token::add_certificate(const std::string& label, ByteView id, bool authority, ByteView der) {
  CertInfo info = io([&](Card& c) { return c.add_certificate(label, id, authority, der); });
  if (log::settings().public_cache) public_cache::remove(profile_->card_serial);  // the next load rewrites it
  Object o = certificate_object(info, der);
  std::lock_guard lock(objects_mutex_);
  o.handle = next_handle_++;
  objects_.push_back(std::move(o));
  return objects_.back().handle;
}

void Token::remove_certificate(CK_OBJECT_HANDLE h) {
  std::optional<CertInfo> target;
  {
    std::lock_guard lock(objects_mutex_);
    for (auto& o : objects_)
      if (o.handle == h) {
        for (auto& c : profile_->certificates)
          if (c.id == *o.get(CKA_ID) && o.get(CKA_VALUE) && card_.certificate(c) == *o.get(CKA_VALUE)) target = c;
      }
  }
  if (!target) throw Rv{CKR_OBJECT_HANDLE_INVALID};
  io([&](Card& c) { c.remove_certificate(*target); });
  if (log::settings().public_cache) public_cache::remove(profile_->card_serial);
  std::lock_guard lock(objects_mutex_);
  retire_locked(h);
}

void Token::retire_locked(CK_OBJECT_HANDLE h) {
  for (auto it = objects_.begin(); it != objects_.end(); ++it)
    if (it->handle == h) return retired_.splice(retired_.end(), objects_, it);
}

Token::~Token() {
  if (login_ != Login::None) forget_login();  // dropped without a logout (removal, pcscd gone)
}

bool Token::counters_readable() const { return family(profile_->atr.family).pin_probe_read_only; }

void Token::verify_registered(const PinInfo& pin, const Secret& value) {
  const Bytes& serial = profile_->card_serial;
  // One PC/SC transaction: no other process changes the card's security state or the registry in between.
  Transaction tx(card_.transport());
  if (counters_readable()) {
    PinStatus st = card_.pin_status(pin);
    if (!st.unknown && !st.verified) login_registry::clear(serial);  // the card says so: the entries are stale
  }
  login_registry::enter(serial);
  try {
    card_.verify(pin, value);
  } catch (...) {
    login_registry::leave_is_last(serial);
    throw;
  }
}

void Token::log_in(Login who, const PinInfo& pin, const Secret& value) {
  std::lock_guard serial(login_mutex_);  // a login under way in another thread finishes first
  if (login_ == who) throw Rv{CKR_USER_ALREADY_LOGGED_IN};
  if (login_ != Login::None) throw Rv{CKR_USER_ANOTHER_ALREADY_LOGGED_IN};
  for (int attempt = 0;; ++attempt) {
    try {
      verify_registered(pin, value);
      break;
    } catch (const CardError& e) {
      // A reset is reported before the VERIFY goes out (pcscd refuses the old handle): log in once more.
      bool reset = e.code() == Err::CardReset;
      if (reset) after_reset();
      if (reset && attempt == 0) continue;
      pin_state_changed();
      throw;
    }
  }
  pin_state_changed();
  login_ = who;
}

void Token::log_out() {
  std::lock_guard serial(login_mutex_);
  if (login_ == Login::None) return;
  login_ = Login::None;
  pin_state_changed();
  const Bytes& card_serial = profile_->card_serial;
  try {
    bool reset_needed = io([&](Card& c) {
      Transaction tx(c.transport());  // leaving the registry and the LOGOUT: one step for other processes
      bool last = login_registry::leave_is_last(card_serial);
      return (last || !counters_readable()) && !c.logout();
    });
    // A card without LOGOUT keeps its PIN verified until it is reset: reset it, or the next program to come
    // along could sign with the key without the PIN.
    if (reset_needed) {
      log::info("slot %lu: the card has no LOGOUT; resetting it", static_cast<unsigned long>(slot_));
      card_.transport().reconnect(true);
    }
  } catch (const CardError& e) {
    login_registry::leave_is_last(card_serial);
    if (e.code() == Err::CardReset) return;  // a reset logged the card out already
    throw;
  }
}

void Token::forget_login() {
  login_ = Login::None;
  login_registry::leave_is_last(profile_->card_serial);
}

void Token::check_login_still_on_card() {
  if (login_ == Login::None || !counters_readable()) return;
  const PinInfo* pin = login_ == Login::SO ? profile_->puk() : profile_->user_pin();
  try {
    PinStatus st = pin ? card_.pin_status(*pin) : PinStatus{};
    if (pin && !st.unknown && !st.verified) {
      forget_login();
      pin_state_changed();
      log::info("slot %lu: the card is no longer logged in (logged out outside this module)",
                static_cast<unsigned long>(slot_));
    }
  } catch (const CardError&) {
    // The answer to the operation itself is what the caller reports.
  }
}

void Token::pin_state_changed() {
  std::lock_guard lock(pin_mutex_);
  pins_.valid = false;
}

void Token::after_reset() {
  // The transport has reconnected. Still the same card? A different one counts as a removal.
  // The serial from the same source the profile took it from (GET DATA, else TokenInfo).
  Bytes serial = card_.read_serial();
  if (serial != profile_->card_serial) throw CardError(Err::CardRemoved, "another card is in the reader");
  forget_login();
  pin_state_changed();
  log::info("slot %lu: card reset (by another program or a pcscd restart); login dropped",
            static_cast<unsigned long>(slot_));
}

Token::PinCounters Token::counters() {
  {
    std::lock_guard lock(pin_mutex_);
    if (pins_.valid && std::chrono::steady_clock::now() - pins_.read_at < std::chrono::seconds(2)) return pins_;
  }
  // Card I/O outside pin_mutex_: the reset path takes it (pin_state_changed).
  PinCounters fresh;
  fresh.valid = true;
  if (counters_readable()) {
    try {
      const PinInfo* puk = profile_->puk();
      fresh.user = io_retrying([&](Card& c) { return c.pin_status(*profile_->user_pin()); });
      if (puk) fresh.so = io_retrying([&](Card& c) { return c.pin_status(*puk); });
      fresh.known = true;
    } catch (const CardError& e) {
      if (e.code() == Err::CardRemoved || e.code() == Err::NoCard || e.code() == Err::NoService) throw;
      log::info("slot %lu: PIN counters not readable (%s)", static_cast<unsigned long>(slot_), e.what());
    }
  }
  fresh.read_at = std::chrono::steady_clock::now();
  std::lock_guard lock(pin_mutex_);
  pins_ = fresh;
  return pins_;
}

CK_TOKEN_INFO Token::info() {
  CK_TOKEN_INFO ti{};
  pad(ti.label, sizeof ti.label, label_);
  pad(ti.manufacturerID, sizeof ti.manufacturerID, "TUBITAK BILGEM");
  pad(ti.model, sizeof ti.model, std::string("AKIS ") + (profile_->atr.family == AtrFamily::V2_x   ? "2.x"
                                                         : profile_->atr.family == AtrFamily::V1_x ? "1.x"
                                                         : profile_->atr.family == AtrFamily::V1_0 ? "1.0"
                                                                                                   : "?"));
  std::string serial = to_hex(profile_->card_serial);
  if (serial.size() > 16) serial = serial.substr(serial.size() - 16);
  pad(ti.serialNumber, sizeof ti.serialNumber, serial);
  // Not CKF_WRITE_PROTECTED when certificate writes are off (C_CreateObject then answers
  // CKR_TOKEN_WRITE_PROTECTED): applications read the flag as "no PIN change" and "no read-write session".
  ti.flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
  const PinInfo* user = profile_->user_pin();
  const PinInfo* puk = profile_->puk();
  PinCounters pins = counters();
  if (pins.known) {
    auto flags = [](const PinStatus& st, int max, CK_FLAGS low, CK_FLAGS final_try, CK_FLAGS locked) -> CK_FLAGS {
      if (st.blocked) return locked;
      if (st.tries_left == 1) return low | final_try;
      if (st.tries_left >= 0 && st.tries_left < max) return low;
      return 0;
    };
    ti.flags |= flags(pins.user, 3, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
    if (puk) ti.flags |= flags(pins.so, 3, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
  }
  ti.ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  ti.ulSessionCount = CK_UNAVAILABLE_INFORMATION;
  ti.ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  ti.ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
  ti.ulMaxPinLen = user->max_length;
  ti.ulMinPinLen = user->min_length;
  ti.ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  ti.ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  ti.ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  ti.ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  ti.hardwareVersion = {2, 0};
  ti.firmwareVersion = {0, 0};
  std::memset(ti.utcTime, ' ', sizeof ti.utcTime);
  return ti;
}

}  // namespace akis::p11
