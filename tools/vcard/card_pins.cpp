// SPDX-License-Identifier: LGPL-2.1-or-later
// The virtual card's PIN and authentication commands: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER,
// GET CHALLENGE and EXTERNAL AUTHENTICATE. A wrong PIN or PUK costs exactly one try; nothing else does.
#include <botan/mac.h>
#include <botan/rng.h>

#include "card_util.hpp"
#include "virtual_card.hpp"

namespace akis::vcard {

using namespace detail;

std::uint16_t VirtualCard::blocked_sw() const { return b_.blocked_6984 ? 0x6984 : SW_BLOCKED; }

bool VirtualCard::pin_visible(const PinObject& p) const { return same(p.df, current_df_); }

std::uint16_t VirtualCard::check_pin_value(PinObject& pin, ByteView value) {
  if (constant_time_equal(pin.value, value)) {
    if (pin.tries_left != pin.max_tries) dirty_ = true;
    pin.tries_left = pin.max_tries;
    verified_.insert(pin.ref);
    return SW_OK;
  }
  pin.tries_left = std::max(0, pin.tries_left - 1);
  dirty_ = true;
  verified_.erase(pin.ref);
  if (b_.wrong_pin_6300) return SW_AUTH_FAILED;  // verification failed, no counter
  return static_cast<std::uint16_t>(0x63C0 | pin.tries_left);
}

VirtualCard::Reply VirtualCard::verify(const Command& c) {
  if (c.p1 != 0x00) return {{}, SW_WRONG_P1P2};
  PinObject* p = state_.pin(c.p2);
  if (!p || !pin_visible(*p)) return {{}, SW_REF_NOT_FOUND};
  if (c.data.empty() && b_.verify_empty_spends) {  // an old card compares "nothing" with the PIN
    if (p->tries_left == 0) return {{}, blocked_sw()};
    return {{}, check_pin_value(*p, c.data)};
  }
  if (c.data.empty()) {  // status only: never spends a try
    if (!b_.pin_status) return {{}, SW_WRONG_LENGTH};
    if (p->tries_left == 0) return {{}, blocked_sw()};
    if (verified_.count(p->ref)) return {};
    return {{}, static_cast<std::uint16_t>(0x63C0 | p->tries_left)};
  }
  if (p->tries_left == 0) return {{}, blocked_sw()};
  return {{}, check_pin_value(*p, c.data)};
}

namespace {
bool pin_format_ok(const PinObject& p, ByteView v) {
  if (p.stored_len) {  // padded to stored_len with pad_char
    if (v.size() != p.stored_len) return false;
    while (!v.empty() && v.back() == p.pad_char) v = v.first(v.size() - 1);
  }
  if (v.size() < p.min_len || v.size() > p.max_len) return false;
  return std::all_of(v.begin(), v.end(), [](std::uint8_t b) { return b >= '0' && b <= '9'; });
}
}  // namespace

VirtualCard::Reply VirtualCard::change_reference_data(const Command& c) {
  std::uint8_t ref;
  if (c.p1 == 0x02) ref = static_cast<std::uint8_t>(c.p2 | 0x80);
  else if (c.p1 == 0x01 || c.p1 == 0x00) ref = c.p2;
  else return {{}, SW_WRONG_P1P2};
  PinObject* p = state_.pin(ref);
  if (!p || !pin_visible(*p)) return {{}, SW_REF_NOT_FOUND};
  auto parts = split_lv(c.data, 2);
  if (!parts) return {{}, SW_WRONG_DATA};
  if (p->tries_left == 0) return {{}, blocked_sw()};
  if (!pin_format_ok(*p, (*parts)[1])) return {{}, SW_WRONG_DATA};  // checked before a try is spent
  std::uint16_t sw = check_pin_value(*p, (*parts)[0]);
  if (sw != SW_OK) return {{}, sw};
  p->value = (*parts)[1];
  dirty_ = true;
  for (auto& b : *parts) secure_wipe(b.data(), b.size());
  return {};
}

VirtualCard::Reply VirtualCard::reset_retry_counter(const Command& c) {
  PinObject* p = state_.pin(c.p2);
  if (!p || !pin_visible(*p)) return {{}, SW_REF_NOT_FOUND};
  if (c.p1 == 0x00) {  // ISO: PUK immediately followed by the new PIN, no length bytes
    if (!p->puk_ref) return {{}, SW_CONDITIONS};  // post-2011 card: no PUK
    PinObject* puk = state_.pin(*p->puk_ref);
    if (!puk) return {{}, SW_REF_NOT_FOUND};
    if (puk->tries_left == 0) return {{}, SW_BLOCKED};
    // The card splits at its PUK's length: any other layout compares as a wrong PUK.
    const std::size_t n = std::min(puk->value.size(), c.data.size());
    Bytes given(c.data.begin(), c.data.begin() + static_cast<std::ptrdiff_t>(n));
    Bytes fresh(c.data.begin() + static_cast<std::ptrdiff_t>(n), c.data.end());
    std::uint16_t sw = check_pin_value(*puk, given);
    secure_wipe(given.data(), given.size());
    if (sw != SW_OK) return {{}, sw};
    verified_.erase(puk->ref);  // the PUK opens this one reset, nothing else
    if (!pin_format_ok(*p, fresh)) return {{}, SW_WRONG_DATA};
    p->value = fresh;
    p->tries_left = p->max_tries;
    verified_.erase(p->ref);
    dirty_ = true;
    return {};
  }
  if (c.p1 == 0x02) {  // new PIN only: after the issuer's EXTERNAL AUTHENTICATE, or with the PUK verified
    const bool puk_verified = p->puk_ref && verified_.count(*p->puk_ref);
    if (!unblock_authorised_.count(p->ref) && !puk_verified) return {{}, SW_SECURITY};
    if (!pin_format_ok(*p, c.data)) return {{}, SW_WRONG_DATA};
    unblock_authorised_.erase(p->ref);
    p->value = c.data;
    p->tries_left = p->max_tries;
    verified_.erase(p->ref);
    dirty_ = true;
    return {};
  }
  return {{}, SW_WRONG_P1P2};
}


VirtualCard::Reply VirtualCard::get_challenge(const Command& c) {
  if (c.p1 || c.p2) return {{}, SW_WRONG_P1P2};
  if (!c.le || !c.data.empty()) return {{}, SW_WRONG_LENGTH};
  challenge_.resize(*c.le);
  rng_->randomize(challenge_.data(), challenge_.size());
  return {challenge_, SW_OK};
}

VirtualCard::Reply VirtualCard::external_authenticate(const Command& c) {
  AuthKey* k = state_.auth_key(c.p2);
  if (!k) return {{}, SW_REF_NOT_FOUND};
  if (k->tries_left == 0) return {{}, SW_BLOCKED};
  // Without a cryptogram: the key's try counter, nothing spent, the challenge kept (as VERIFY without data for a
  // PIN; an assumption for AKİS, docs/unlock-protocol.md).
  if (c.data.empty()) return {{}, static_cast<std::uint16_t>(0x63C0 | std::min(k->tries_left, 15))};
  if (challenge_.empty()) return {{}, SW_CONDITIONS};
  Bytes challenge = std::move(challenge_);  // one challenge, one attempt
  challenge_.clear();
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(k->secret.data(), k->secret.size());
  mac->update(challenge.data(), challenge.size());
  mac->update(state_.serial.data(), state_.serial.size());
  auto expected = mac->final();
  if (!constant_time_equal(Bytes(expected.begin(), expected.end()), c.data)) {
    k->tries_left = std::max(0, k->tries_left - 1);
    dirty_ = true;
    return {{}, static_cast<std::uint16_t>(0x63C0 | std::min(k->tries_left, 15))};  // refused, x tries left
  }
  if (k->tries_left != k->max_tries) dirty_ = true;
  k->tries_left = k->max_tries;
  for (auto& p : state_.pins)
    if (p.unblock_key && *p.unblock_key == k->ref) unblock_authorised_.insert(p.ref);
  return {};
}


}  // namespace akis::vcard
