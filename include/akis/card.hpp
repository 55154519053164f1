// One AKİS card behind a transport: the facade the tools and the PKCS#11 module use.
// Serialises access with its own mutex and runs every operation inside a PC/SC transaction.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "akis/channel.hpp"
#include "akis/commands.hpp"
#include "akis/error.hpp"
#include "akis/profile.hpp"

namespace akis {

class Card {
 public:
  explicit Card(std::unique_ptr<Transport> transport);

  const std::string& reader() const { return reader_; }
  const Bytes& atr() const { return atr_; }
  AtrInfo atr_info() const { return classify_atr(atr_); }

  // Read once per insertion; later calls return the cached profile.
  const CardProfile& profile();
  // DER certificate / SubjectPublicKeyInfo, read once and cached (public content).
  const Bytes& certificate(const CertInfo& cert);
  const Bytes& public_key(const KeyInfo& pub);

  PinStatus pin_status(const PinInfo& pin);
  void verify(const PinInfo& pin, const Secret& value);
  void change_pin(const PinInfo& pin, const Secret& old_pin, const Secret& new_pin);
  void unblock_with_puk(const PinInfo& pin, const Secret& puk, const Secret& new_pin);
  // Issuer-authorised unblock: `authorise` gets the card's challenge and returns the issuer's cryptogram.
  // The new PIN never leaves this process; the cryptogram is bound to the challenge and the card serial.
  void unblock_online(const PinInfo& pin, std::uint8_t auth_key_ref,
                      const std::function<Bytes(const Bytes& challenge)>& authorise, const Secret& new_pin);
  void logout();

  // MSE + PSO on the key. The caller has verified the PIN (or the card answers SecurityStatus).
  Bytes sign(const KeyInfo& key, ByteView input);
  Bytes decipher(const KeyInfo& key, ByteView cryptogram);
  Bytes random(std::size_t len);

  // Writes a certificate to a new EF and describes it in the CDF (the card wants the user PIN verified).
  // The cached profile follows; returns the new description.
  CertInfo add_certificate(const std::string& label, ByteView id, bool authority, ByteView der);
  // Removes the certificate's CDF entry and deletes its EF.
  void remove_certificate(const CertInfo& cert);

  // Runs `fn` under this card's lock and a PC/SC transaction.
  template <class F>
  decltype(auto) locked(F&& fn) {
    std::lock_guard lock(mutex_);
    Transaction tx(*transport_);
    return fn(cmds_);
  }

  const IoCounters& io() const { return channel_.counters(); }
  void reset_io() { channel_.reset_counters(); }
  Transport& transport() { return *transport_; }

 private:
  // Runs a PIN/key command; when the card answers "reference not found" because another program left
  // another DF selected, selects the application and tries once more.
  template <class F>
  decltype(auto) in_application(F&& fn) {
    try {
      return fn();
    } catch (const CardError& e) {
      if (e.code() != Err::ReferenceNotFound) throw;
      cmds_.select_name(kPkcs15DfName);
      return fn();
    }
  }

  std::unique_ptr<Transport> transport_;
  Channel channel_;
  AkisCommands cmds_;
  std::string reader_;
  Bytes atr_;
  std::mutex mutex_;
  std::optional<CardProfile> profile_;
  std::map<Bytes, Bytes> file_cache_;  // path -> content
};

}  // namespace akis
