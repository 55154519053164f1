// SPDX-License-Identifier: LGPL-2.1-or-later
// PIN change and PUK unblock. Every check that can be made before the card is made before it, and the
// last try of a PIN or PUK is spent only after an explicit confirmation.
#include <iostream>

#include "akis/error.hpp"
#include "cli.hpp"

namespace akis::cli {

std::string unblock_hint(const CardProfile& p) { return msg(p.puk() ? M::HintUnblockPuk : M::HintUnblockOnline); }

void wrong_secret(const CardError& e, M wrong, M wrong_one, M wrong_no_count, const std::string& blocked_message) {
  if (e.code() == Err::WrongPin && e.tries_left() > 0)
    throw Failure(kWrongPin, msg(e.tries_left() == 1 ? wrong_one : wrong, e.tries_left()));
  if (e.code() == Err::WrongPin && e.tries_left() < 0) throw Failure(kWrongPin, msg(wrong_no_count));
  if (e.code() == Err::WrongPin || e.code() == Err::PinBlocked) throw Failure(kBlocked, blocked_message);
  throw e;
}

namespace {

// With one try left, asks before using it (or takes --yes); refuses when nobody can answer.
void confirm_last_try(SecretInput& in, const PinStatus& st, M warning, M question, bool yes) {
  if (st.tries_left != 1) return;
  std::cerr << msg(warning) << "\n";
  if (!in.confirm(msg(question), yes)) throw Failure(kDeclined, msg(M::Declined));
}
}  // namespace

int cmd_pin_change(const Options& o) {
  auto opened = open_card(o);
  Card& card = *opened.card;
  SecretInput in(o.pin_fd);
  try {
    const CardProfile& p = card.profile();
    const PinInfo& pin = *p.user_pin();
    PinStatus st = card.pin_status(pin);
    if (st.blocked) throw Failure(kBlocked, msg(M::PinIsBlocked) + "\n" + unblock_hint(p));
    Secret old_pin = read_secret(in, M::PromptPin, "AKIS_PIN", "PIN");
    Secret new_pin = read_new_pin(in, pin);
    if (pin_format(pin, old_pin) != PinFormat::Ok)
      throw Failure(kBadInput, msg(M::ErrPinPolicy, pin.min_length, pin.max_length));
    confirm_last_try(in, st, M::LastTryWarning, M::LastTryQuestion, o.yes);
    try {
      card.change_pin(pin, old_pin, new_pin);
    } catch (const CardError& e) {
      wrong_secret(e, M::WrongPin, M::WrongPinOne, M::WrongPinNoCount, msg(M::PinNowBlocked) + "\n" + unblock_hint(p));
    }
    std::cout << msg(M::PinChanged) << "\n";
  } catch (const CardError& e) {
    fail_with(e);
  }
  return kOk;
}

int cmd_pin_unblock(const Options& o) {
  auto opened = open_card(o);
  Card& card = *opened.card;
  SecretInput in(o.pin_fd);
  try {
    const CardProfile& p = card.profile();
    if (!p.puk()) throw Failure(kNotPossible, msg(M::NoPukOnCard) + "\n" + msg(M::HintUnblockOnline));
    const PinInfo& pin = *p.user_pin();
    const PinInfo& puk = *p.puk();
    PinStatus st = card.pin_status(puk);
    if (st.blocked) throw Failure(kBlocked, msg(M::PukBlocked));
    if (st.tries_left >= 0) std::cerr << msg(st.tries_left == 1 ? M::PukTriesOne : M::PukTries, st.tries_left) << "\n";
    Secret puk_value = read_secret(in, M::PromptPuk, "AKIS_PUK", "PUK");
    if (pin_format(puk, puk_value) != PinFormat::Ok)
      throw Failure(kBadInput, msg(M::ErrPukPolicy, puk.min_length, puk.max_length));
    Secret new_pin = read_new_pin(in, pin);
    confirm_last_try(in, st, M::LastPukWarning, M::LastPukQuestion, o.yes);
    try {
      card.unblock_with_puk(pin, puk_value, new_pin);
    } catch (const CardError& e) {
      // Card::unblock_with_puk: VERIFY of the PUK, then RESET RETRY COUNTER P1=02 with the new PIN only (ISO).
      wrong_secret(e, M::WrongPuk, M::WrongPukOne, M::WrongPukNoCount, msg(M::PukBlocked));
    }
    std::cout << msg(M::Unblocked) << "\n";
  } catch (const CardError& e) {
    fail_with(e);
  }
  return kOk;
}

}  // namespace akis::cli
