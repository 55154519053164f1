#include "akis/card.hpp"

#include "akis/error.hpp"

namespace akis {

Card::Card(std::unique_ptr<Transport> transport)
    : transport_(std::move(transport)), channel_(*transport_), cmds_(channel_),
      reader_(transport_->name()), atr_(transport_->atr()) {}

const CardProfile& Card::profile() {
  std::lock_guard lock(mutex_);
  if (!profile_) {
    Transaction tx(*transport_);
    profile_ = read_profile(cmds_, atr_);
  }
  return *profile_;
}

namespace {
const Bytes& cached_file(std::map<Bytes, Bytes>& cache, AkisCommands& cmds, const Bytes& path) {
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  Bytes data = cmds.read_file(cmds.select_path(path));
  return cache.emplace(path, std::move(data)).first->second;
}
}  // namespace

const Bytes& Card::certificate(const CertInfo& cert) {
  return locked([&](AkisCommands& c) -> const Bytes& { return cached_file(file_cache_, c, cert.path); });
}

const Bytes& Card::public_key(const KeyInfo& pub) {
  return locked([&](AkisCommands& c) -> const Bytes& { return cached_file(file_cache_, c, pub.path); });
}

PinStatus Card::pin_status(const PinInfo& pin) {
  return locked([&](AkisCommands& c) { return in_application([&] { return c.pin_status(pin.reference); }); });
}

void Card::verify(const PinInfo& pin, const Secret& value) {
  locked([&](AkisCommands& c) { in_application([&] { c.verify(pin.reference, value); }); });
}

void Card::change_pin(const PinInfo& pin, const Secret& old_pin, const Secret& new_pin) {
  locked([&](AkisCommands& c) { in_application([&] { c.change_pin(pin.reference, old_pin, new_pin); }); });
}

void Card::unblock_with_puk(const PinInfo& pin, const Secret& puk, const Secret& new_pin) {
  locked([&](AkisCommands& c) { in_application([&] { c.unblock_with_puk(pin.reference, puk, new_pin); }); });
}

void Card::unblock_online(const PinInfo& pin, std::uint8_t auth_key_ref,
                          const std::function<Bytes(const Bytes&)>& authorise, const Secret& new_pin) {
  // The challenge, the authentication and the reset run in one transaction: no other program can
  // consume the challenge or the authorisation in between.
  locked([&](AkisCommands& c) {
    in_application([&] {
      Bytes challenge = c.get_challenge(8);
      Bytes cryptogram = authorise(challenge);
      c.external_authenticate(auth_key_ref, cryptogram);
      c.unblock_authorised(pin.reference, new_pin);
    });
  });
}

void Card::logout() {
  locked([&](AkisCommands& c) { c.logout(); });
}

Bytes Card::sign(const KeyInfo& key, ByteView input) {
  return locked([&](AkisCommands& c) {
    return in_application([&] {
      c.select_key(key.key_reference);
      return c.compute_signature(input);
    });
  });
}

Bytes Card::decipher(const KeyInfo& key, ByteView cryptogram) {
  return locked([&](AkisCommands& c) {
    return in_application([&] {
      c.select_key(key.key_reference);
      return c.decipher(cryptogram);
    });
  });
}

Bytes Card::random(std::size_t len) {
  return locked([&](AkisCommands& c) {
    Bytes out;
    while (out.size() < len) append(out, c.get_challenge(std::min<std::size_t>(len - out.size(), 128)));
    return out;
  });
}

}  // namespace akis
