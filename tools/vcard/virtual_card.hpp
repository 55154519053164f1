// SPDX-License-Identifier: LGPL-2.1-or-later
// A model of the AKİS card operating system: answers command APDUs from a CardState.
// Crypto by Botan, independent of the OpenSSL the module and tools use. Commands live in virtual_card.cpp (transport,
// keys), card_files.cpp (files, GET DATA, LIST FILES) and card_pins.cpp (PINs, authentication); the personality
// (family rules and quirks) in quirks.*.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "akis/apdu.hpp"
#include "card_state.hpp"
#include "quirks.hpp"

namespace Botan {
class Private_Key;
class RandomNumberGenerator;
}  // namespace Botan

namespace akis::vcard {

struct Latency {
  double per_command_ms = 0;   // fixed cost of every APDU
  double per_byte_us = 0;      // transfer cost of each command and response byte
  double per_signature_ms = 0; // private-key operation (sign, decipher)
  static Latency realistic();  // roughly a contact card at 115 kbit/s doing RSA-2048
};

struct CardOptions {
  bool t0 = false;             // T=0 behaviour: case-4 answers come through 61xx, a wrong Le gets 6Cxx
  std::size_t max_data = 244;  // most data bytes per command and per response
};

class VirtualCard {
 public:
  // `save_path` empty: the state lives in memory only (unit tests).
  VirtualCard(CardState state, std::string save_path = {}, CardOptions opts = {});
  ~VirtualCard();

  Bytes atr() const { return state_.atr; }
  void power_on();
  void power_off();
  void reset();

  // One command APDU in, one response APDU out (data + SW). Never throws for card-level errors.
  Bytes process(ByteView apdu);

  // Time the last command would take on a real card under `latency`.
  double last_cost_ms(const Latency& latency) const;

  const CardState& state() const { return state_; }
  // Counters for tests.
  std::size_t commands_seen() const { return commands_; }

 private:
  struct Reply {
    Bytes data;
    std::uint16_t sw = 0x9000;
  };
  Reply dispatch(const Command& c);
  Reply select(const Command& c);
  Reply read_binary(const Command& c);
  Reply update_binary(const Command& c);
  Reply verify(const Command& c);
  Reply change_reference_data(const Command& c);
  Reply reset_retry_counter(const Command& c);
  Reply manage_security_env(const Command& c);
  Reply perform_security_operation(const Command& c);
  Reply get_challenge(const Command& c);
  Reply external_authenticate(const Command& c);
  Reply get_data(const Command& c);
  Reply list_files(const Command& c);
  Reply create_file(const Command& c);
  Reply delete_file(const Command& c);
  Reply logout();

  Bytes fci(const File& f, bool fcp) const;
  KeyObject* key_at(ByteView path);  // the key whose internal EF is at `path`
  std::uint16_t check_pin_value(PinObject& pin, ByteView value);  // spends a try when wrong
  std::uint16_t blocked_sw() const;                                // 69 83, or 69 84 (blocked-6984)
  bool pin_visible(const PinObject& p) const;                      // local PIN of the current DF
  bool access_ok(Access a, std::uint8_t pin_ref) const;
  Botan::Private_Key& private_key(const KeyObject& k);
  Reply sign(KeyObject& k, ByteView input);
  Reply decipher(KeyObject& k, ByteView input);
  Bytes respond(Reply r, const Command& c);  // chunking to max_data, 61xx / 6Cxx behaviour
  void persist();
  void clear_security_state();

  CardState state_;
  std::string save_path_;
  CardOptions opts_;
  Behaviour b_;  // family rules and quirks
  std::recursive_mutex mutex_;
  std::unique_ptr<Botan::RandomNumberGenerator> rng_;
  std::map<std::uint8_t, std::unique_ptr<Botan::Private_Key>> loaded_keys_;

  // Volatile security state (lost on reset / power off).
  Bytes current_df_;
  Bytes current_ef_;
  std::set<std::uint8_t> verified_;
  std::optional<std::uint8_t> current_key_;
  Bytes challenge_;
  std::set<std::uint8_t> unblock_authorised_;
  Bytes chain_;                 // command chaining buffer
  std::uint8_t chain_ins_ = 0;
  Bytes pending_;               // response data waiting for GET RESPONSE
  bool dirty_ = false;
  bool last_was_private_op_ = false;
  std::size_t last_bytes_ = 0;
  std::size_t commands_ = 0;
};

}  // namespace akis::vcard
