// SPDX-License-Identifier: LGPL-2.1-or-later
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

// The card's public content as a cross-process cache keeps it (pkcs11/public_cache.*): never a PIN state or
// anything private. Directory files raw, so a cached profile goes through the same parsers as the card's.
struct PublicContent {
  Bytes atr, serial;
  LifeCycle life_cycle = LifeCycle::Other;
  Application app;                   // where the PKCS#15 application was found
  std::size_t read_le = 0;           // the largest Le READ BINARY learnt on this card (0: not learnt)
  std::map<Bytes, Bytes> directory;  // PKCS#15 path -> raw ODF, TokenInfo, AODF, PrKDF, PuKDF, CDF content
  std::map<Bytes, std::uint8_t> sfi; // directory path -> short EF identifier its FCI announced (tag 88)
  std::map<Bytes, Bytes> files;      // certificate / public key content read so far, by path
};

class Card {
 public:
  explicit Card(std::unique_ptr<Transport> transport);

  const std::string& reader() const { return reader_; }
  const Bytes& atr() const { return atr_; }
  AtrInfo atr_info() const { return classify_atr(atr_); }

  const Family& family() const { return cmds_.family(); }
  // Where discovery found the PKCS#15 application (after profile() or has_esign_application()).
  const std::optional<Application>& application() const { return cmds_.application(); }

  // Read once per insertion; later calls return the cached profile.
  const CardProfile& profile();
  // DER certificate (cut to its outer length: fixed-size files are padded) / SubjectPublicKeyInfo,
  // read once and cached (public content).
  const Bytes& certificate(const CertInfo& cert);
  const Bytes& public_key(const KeyInfo& pub);

  // After profile() (and the certificates wanted): what a cache may keep.
  PublicContent public_content();
  // Takes a cached content (`lookup` by the card's serial) instead of reading the directory, when it is this
  // card and its CDFs are unchanged (apdu/akis/card_cache.cpp): GET DATA serial in whatever DF is current (else
  // the application is found and the serial read there, GET DATA or TokenInfo's), then every CDF compared byte for
  // byte, read by its short EF identifier where the card announced one (else SELECT + READ BINARY). False (nothing
  // adopted) on any difference or card error other than reset/removal/PC/SC (those propagate).
  bool adopt(const std::function<std::optional<PublicContent>(ByteView serial)>& lookup);

  // Every PIN and key operation selects the application first (another program may have moved the current DF)
  // and sends PINs encoded as the AODF says (encode_pin).
  // The counter, without spending a try; `unknown` set (nothing sent) where the family's probe is not known to
  // be read-only or the card refuses it.
  PinStatus pin_status(const PinInfo& pin);
  void verify(const PinInfo& pin, const Secret& value);
  void change_pin(const PinInfo& pin, const Secret& old_pin, const Secret& new_pin);
  // ISO sequence: VERIFY of the PUK (its own reference), then RESET RETRY COUNTER 00 2C 02 <PIN ref> <new PIN>.
  // A wrong PUK stops after the VERIFY (CardError WrongPin with the PUK's tries left).
  void unblock_with_puk(const PinInfo& pin, const Secret& puk, const Secret& new_pin);
  // RESET RETRY COUNTER with the new PIN only, once the PUK was verified (C_Login(CKU_SO) + C_InitPIN).
  void unblock_authorised(const PinInfo& pin, const Secret& new_pin);
  // Issuer-authorised unblock: `authorise` gets the card's challenge and returns the issuer's cryptogram.
  // The new PIN never leaves this process; the cryptogram is bound to the challenge and the card serial.
  void unblock_online(const PinInfo& pin, std::uint8_t auth_key_ref,
                      const std::function<Bytes(const Bytes& challenge)>& authorise, const Secret& new_pin);
  // LOGOUT (class 80). False when the card has no such command (family without it, or refused as unknown):
  // its security state then lasts until a reset.
  bool logout();

  // [SELECT key path] + MSE + PSO on the key. The caller has verified the PIN (or the card answers
  // SecurityStatus). Signatures come back normalised: ECDSA as r||s (the card may answer DER), RSA left-padded to
  // the modulus length.
  Bytes sign(const KeyInfo& key, ByteView input);
  Bytes decipher(const KeyInfo& key, ByteView cryptogram);  // the raw RSA result, modulus length
  Bytes random(std::size_t len);

  // Writes a certificate to a new EF and describes it in the CDF (the card wants the user PIN verified).
  // The cached profile follows; returns the new description.
  CertInfo add_certificate(const std::string& label, ByteView id, bool authority, ByteView der);
  // Deletes the certificate's EF, then (only once that succeeded) removes its CDF entry.
  void remove_certificate(const CertInfo& cert);
  // Data objects (PKCS#15 DODF, apdu/akis/card_data.cpp), read when asked and never part of public_content() (a
  // cross-process cache does not hold them). `value` is read for public objects only.
  struct DataObject {
    DataObjectInfo info;
    std::optional<Bytes> value;
  };
  std::vector<DataObject> read_data_objects(std::vector<std::string>& skipped);
  // A new EF with `value`, then its entry appended to the first DODF only once the file is written (a failed
  // append deletes the file again). CardError(NotSupported) when the card has no DODF: the module does not add
  // one to the ODF. The card wants the user PIN verified.
  DataObjectInfo add_data_object(DataObjectInfo info, ByteView value);
  // Deletes the object's EF, then (only once that succeeded) removes its DODF entry.
  void remove_data_object(const DataObjectInfo& obj);
  // New attributes and/or a new value: a new value goes to a new EF first, then the DODF entry is rewritten
  // (naming the new EF), then the old EF is deleted. Returns the description now on the card.
  DataObjectInfo update_data_object(const DataObjectInfo& old, DataObjectInfo now, std::optional<ByteView> value);
  // The card serial: GET DATA where the family has it, else TokenInfo's serialNumber (read_card_serial).
  Bytes read_serial();

  // Runs `fn` under this card's lock and a PC/SC transaction.
  template <class F>
  decltype(auto) locked(F&& fn) {
    std::lock_guard lock(mutex_);
    Transaction tx(*transport_);
    cmds_.transaction_started();
    return fn(cmds_);
  }

  const IoCounters& io() const { return channel_.counters(); }
  void reset_io() { channel_.reset_counters(); }
  Transport& transport() { return *transport_; }

 private:
  void select_key(AkisCommands& c, const KeyInfo& key);

  std::unique_ptr<Transport> transport_;
  Channel channel_;
  AkisCommands cmds_;
  std::string reader_;
  Bytes atr_;
  std::mutex mutex_;
  std::optional<CardProfile> profile_;
  std::map<Bytes, Bytes> file_cache_;  // path -> content
  std::map<Bytes, Bytes> directory_;   // raw directory files of the profile (PublicContent::directory)
  std::map<Bytes, std::uint8_t> sfis_; // their short EF identifiers (PublicContent::sfi)
};

}  // namespace akis
