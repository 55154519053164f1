// SPDX-License-Identifier: LGPL-2.1-or-later
#include "virtual_card.hpp"

#include <botan/auto_rng.h>
#include <botan/bigint.h>
#include <botan/data_src.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/pk_keys.h>
#include <botan/pkcs8.h>
#include <botan/pubkey.h>
#include <botan/rsa.h>

#include <algorithm>
#include <cstdio>

#include "card_util.hpp"

namespace akis::vcard {

using namespace detail;


Latency Latency::realistic() { return Latency{8.0, 90.0, 450.0}; }

VirtualCard::VirtualCard(CardState state, std::string save_path, CardOptions opts)
    : state_(std::move(state)), save_path_(std::move(save_path)), opts_(opts),
      b_(behaviour_for(state_)), rng_(std::make_unique<Botan::AutoSeeded_RNG>()) {
  power_on();
}

VirtualCard::~VirtualCard() = default;

void VirtualCard::clear_security_state() {
  current_df_ = kMf;
  current_ef_.clear();
  verified_.clear();
  current_key_.reset();
  challenge_.clear();
  unblock_authorised_.clear();
  chain_.clear();
  pending_.clear();
}

void VirtualCard::power_on() {
  std::lock_guard lock(mutex_);
  clear_security_state();
}
void VirtualCard::power_off() {
  std::lock_guard lock(mutex_);
  clear_security_state();
}
void VirtualCard::reset() {
  std::lock_guard lock(mutex_);
  clear_security_state();
}

double VirtualCard::last_cost_ms(const Latency& l) const {
  return l.per_command_ms + static_cast<double>(last_bytes_) * l.per_byte_us / 1000.0 +
         (last_was_private_op_ ? l.per_signature_ms : 0.0);
}

void VirtualCard::persist() {
  if (!dirty_) return;
  if (!save_path_.empty()) save_atomically(state_, save_path_);
  dirty_ = false;
}

Bytes VirtualCard::process(ByteView apdu) {
  std::lock_guard lock(mutex_);
  ++commands_;
  last_was_private_op_ = false;
  last_bytes_ = apdu.size();
  auto parsed = parse_command(apdu);
  Reply r;
  if (!parsed) {
    r.sw = SW_WRONG_LENGTH;
  } else {
    Command c = std::move(*parsed);
    if (c.ins != 0xC0) pending_.clear();
    if (b_.secure_messaging) {  // a card that wants ISO 7816-4 secure messaging on every command
      r.sw = c.ins == 0x20 ? SW_SECURITY : SW_SM_MISSING;
    } else if ((c.cla & 0x10) && !b_.chaining) {
      r.sw = SW_NO_CHAINING;
    } else if (c.cla & 0x10) {  // a chained part: keep it until the last part arrives
      if (!chain_.empty() && chain_ins_ != c.ins) chain_.clear();
      chain_ins_ = c.ins;
      if (chain_.size() + c.data.size() > 4096) {
        chain_.clear();
        r.sw = SW_WRONG_LENGTH;
      } else {
        append(chain_, c.data);
        r.sw = SW_OK;
      }
    } else {
      if (!chain_.empty()) {
        if (chain_ins_ == c.ins) {
          Bytes whole = std::move(chain_);
          append(whole, c.data);
          c.data = std::move(whole);
        }
        chain_.clear();
      }
      r = dispatch(c);
      try {
        persist();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "akis-vcard: cannot save state: %s\n", e.what());
        r = {{}, SW_MEMORY};
      }
      Bytes out = respond(std::move(r), c);
      last_bytes_ += out.size();
      return out;
    }
  }
  Bytes out{static_cast<std::uint8_t>(r.sw >> 8), static_cast<std::uint8_t>(r.sw)};
  last_bytes_ += out.size();
  return out;
}

Bytes VirtualCard::respond(Reply r, const Command& c) {
  auto sw_bytes = [](std::uint16_t sw) {
    return Bytes{static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw)};
  };
  if (r.sw == SW_END_OF_FILE) {  // a warning with data: the data fits one answer (read_binary makes sure)
    Bytes out = std::move(r.data);
    append(out, sw_bytes(r.sw));
    return out;
  }
  if (r.sw != SW_OK || r.data.empty()) return sw_bytes(r.sw);
  const std::size_t le = c.le.value_or(0);
  if (c.ins != 0xC0 && opts_.t0) {
    if (!c.data.empty()) {  // T=0 case 4: the data waits for GET RESPONSE
      pending_ = std::move(r.data);
      return sw_bytes(static_cast<std::uint16_t>(0x6100 | (std::min<std::size_t>(pending_.size(), 256) & 0xFF)));
    }
    if (le != r.data.size() && r.data.size() <= 256)  // T=0 case 2 with the wrong Le
      return sw_bytes(static_cast<std::uint16_t>(0x6C00 | (r.data.size() & 0xFF)));
  }
  if (!c.le) return sw_bytes(SW_WRONG_LENGTH);  // data to return but the command expected none
  std::size_t n = std::min({r.data.size(), opts_.max_data, b_.max_response, le});
  Bytes out(r.data.begin(), r.data.begin() + static_cast<std::ptrdiff_t>(n));
  Bytes rest(r.data.begin() + static_cast<std::ptrdiff_t>(n), r.data.end());
  pending_ = std::move(rest);
  if (pending_.empty()) {
    append(out, sw_bytes(SW_OK));
  } else {
    append(out, sw_bytes(static_cast<std::uint16_t>(0x6100 | (std::min<std::size_t>(pending_.size(), 256) & 0xFF))));
  }
  return out;
}

VirtualCard::Reply VirtualCard::dispatch(const Command& c) {
  if (c.cla == 0x00) {
    switch (c.ins) {
      case 0xA4: return select(c);
      case 0xB0: return read_binary(c);
      case 0xD6: return update_binary(c);
      case 0x20: return verify(c);
      case 0x24: return change_reference_data(c);
      case 0x2C: return reset_retry_counter(c);
      case 0x22: return manage_security_env(c);
      case 0x2A: return perform_security_operation(c);
      case 0x84: return get_challenge(c);
      case 0x82: return external_authenticate(c);
      case 0xCA: return get_data(c);
      case 0xC0: {
        if (pending_.empty()) return {{}, SW_CONDITIONS};
        Bytes all = std::move(pending_);
        pending_.clear();
        return {std::move(all), SW_OK};
      }
      default: return {{}, SW_INS};
    }
  }
  if (c.cla == 0x80) {
    if (!b_.class80) return {{}, SW_CLA};
    switch (c.ins) {
      case 0x18: return list_files(c);
      case 0x1A: return logout();
      case 0x15: return create_file(c);
      case 0x16: return delete_file(c);
      case 0x09:
        if (c.p1 != 0 || (c.p2 != 1 && c.p2 != 2)) return {{}, SW_WRONG_P1P2};
        state_.life_cycle = c.p2 == 1 ? 0xA5 : 0xA0;
        dirty_ = true;
        return {};
      default: return {{}, SW_INS};
    }
  }
  return {{}, SW_CLA};
}

bool VirtualCard::access_ok(Access a, std::uint8_t pin_ref) const {
  return a == Access::Always || (a == Access::Pin && verified_.count(pin_ref));
}

VirtualCard::Reply VirtualCard::manage_security_env(const Command& c) {
  if (c.p1 != 0xC3) return {{}, SW_WRONG_P1P2};
  KeyObject* k = state_.key(c.p2);
  if (!k || !same(k->df, current_df_)) return {{}, SW_REF_NOT_FOUND};
  if (b_.key_path_select && !same(k->path, current_ef_)) return {{}, SW_REF_NOT_FOUND};  // select the key first
  current_key_ = k->ref;
  return {};
}

Botan::Private_Key& VirtualCard::private_key(const KeyObject& k) {
  auto& slot = loaded_keys_[k.ref];
  if (!slot) {
    Botan::DataSource_Memory src(k.pkcs8.data(), k.pkcs8.size());
    slot = Botan::PKCS8::load_key(src);
  }
  return *slot;
}

VirtualCard::Reply VirtualCard::perform_security_operation(const Command& c) {
  const bool is_sign = c.p1 == 0x9E && c.p2 == 0x9A;
  const bool is_decipher = c.p1 == 0x80 && c.p2 == 0x86;
  if (!is_sign && !is_decipher) return {{}, SW_WRONG_P1P2};
  // The key from MSE, or else the key whose file is selected (a PrKDF without keyReference).
  KeyObject* k = current_key_ ? state_.key(*current_key_) : key_at(current_ef_);
  if (!k) return {{}, SW_CONDITIONS};
  if (!verified_.count(k->pin_ref)) return {{}, SW_SECURITY};
  if (is_sign ? !k->can_sign : !k->can_decrypt) return {{}, SW_CONDITIONS};
  Reply r;
  try {
    r = is_sign ? sign(*k, c.data) : decipher(*k, c.data);
  } catch (const std::exception&) {
    r = {{}, SW_WRONG_DATA};  // e.g. input not smaller than the modulus
  }
  if (r.sw == SW_OK) {
    last_was_private_op_ = true;
    if (k->user_consent) verified_.erase(k->pin_ref);  // one verification, one use
  }
  return r;
}

VirtualCard::Reply VirtualCard::sign(KeyObject& k, ByteView input) {
  auto& key = private_key(k);
  if (input.empty()) return {{}, SW_WRONG_LENGTH};
  std::string padding;
  if (k.type == "rsa") {
    const std::size_t modulus = (key.key_length() + 7) / 8;
    if (input.size() == modulus) padding = "Raw";             // the host padded (PSS, raw)
    else if (input.size() + 11 <= modulus) padding = "EMSA3(Raw)";  // the card adds PKCS#1 v1.5 type 1
    else return {{}, SW_WRONG_LENGTH};
  } else {
    if (input.size() > 64) return {{}, SW_WRONG_LENGTH};
    padding = "Raw";  // the input is the hash; the output is r || s
  }
  const bool der = k.type != "rsa" && b_.ecdsa_der;
  Botan::PK_Signer signer(key, *rng_, padding, der ? Botan::DER_SEQUENCE : Botan::IEEE_1363);
  auto sig = signer.sign_message(input.data(), input.size(), *rng_);
  Bytes out(sig.begin(), sig.end());
  if (k.type == "rsa" && b_.rsa_short_sig) {
    auto nz = std::find_if(out.begin(), out.end(), [](std::uint8_t b) { return b != 0; });
    out.erase(out.begin(), nz);
  }
  return {std::move(out), SW_OK};
}

VirtualCard::Reply VirtualCard::decipher(KeyObject& k, ByteView input) {
  if (k.type != "rsa") return {{}, SW_CONDITIONS};
  auto& key = private_key(k);
  const std::size_t modulus = (key.key_length() + 7) / 8;
  if (input.size() != modulus + 1 || input[0] != 0x00) return {{}, SW_WRONG_DATA};
  // Raw RSA: the host removes the padding (PKCS#1 v1.5 or OAEP).
  Botan::PK_Decryptor_EME dec(key, *rng_, "Raw");
  auto plain = dec.decrypt(input.data() + 1, modulus);
  Bytes out(b_.rsa_short_sig ? 0 : modulus - std::min(modulus, plain.size()), 0);  // Botan's result has no leading 00
  out.insert(out.end(), plain.begin(), plain.end());
  if (b_.rsa_short_sig) out.erase(out.begin(), std::find_if(out.begin(), out.end(), [](std::uint8_t b) { return b; }));
  return {std::move(out), SW_OK};
}

VirtualCard::Reply VirtualCard::logout() {
  verified_.clear();
  return {};
}

}  // namespace akis::vcard
