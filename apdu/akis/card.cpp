#include "akis/card.hpp"

#include <algorithm>

#include "akis/error.hpp"
#include "akis/tlv.hpp"

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

namespace {
const Bytes& first_cdf(const CardProfile& p) {
  if (p.cdf_paths.empty()) throw CardError(Err::NotSupported, "the card has no certificate directory (CDF)");
  return p.cdf_paths.front();
}
}  // namespace

CertInfo Card::add_certificate(const std::string& label, ByteView id, bool authority, ByteView der) {
  profile();
  return locked([&](AkisCommands& c) {
    CardProfile& p = *profile_;
    const Bytes& cdf_path = first_cdf(p);
    Bytes app(cdf_path.begin(), cdf_path.end() - 2);  // the DF holding the CDF
    c.select_path(app);
    std::vector<std::uint16_t> taken;
    for (auto& f : c.list_files()) taken.push_back(f.fid);
    std::uint16_t fid = 0;
    for (std::uint16_t candidate = 0x2F10; candidate < 0x2F40 && !fid; ++candidate)
      if (std::find(taken.begin(), taken.end(), candidate) == taken.end()) fid = candidate;
    if (!fid) throw CardError(Err::MemoryFailure, "no free certificate file on the card");
    CertInfo info{label, Bytes(id.begin(), id.end()), authority, app};
    info.path.push_back(static_cast<std::uint8_t>(fid >> 8));
    info.path.push_back(static_cast<std::uint8_t>(fid));
    c.create_ef(fid);
    c.update_binary(0, der);
    // Append the description after the CDF's last object.
    Bytes cdf = c.read_file(c.select_path(cdf_path));
    c.update_binary(used_length(cdf), encode_cdf_entry(info));
    file_cache_[info.path] = Bytes(der.begin(), der.end());
    p.certificates.push_back(info);
    return info;
  });
}

void Card::remove_certificate(const CertInfo& cert) {
  profile();
  locked([&](AkisCommands& c) {
    CardProfile& p = *profile_;
    const Bytes& cdf_path = first_cdf(p);
    Bytes cdf = c.read_file(c.select_path(cdf_path));
    Bytes kept;
    for (auto& e : parse_tlvs(cdf)) {
      auto parsed = parse_cdf(e.whole);
      if (parsed.size() == 1 && parsed[0].path == cert.path) continue;
      append(kept, e.whole);
    }
    kept.resize(std::max(kept.size(), used_length(cdf)), 0x00);  // the file keeps its size: pad the end
    c.update_binary(0, kept);
    c.select_path(Bytes(cert.path.begin(), cert.path.end() - 2));
    c.delete_ef(be16(cert.path, cert.path.size() - 2));
    file_cache_.erase(cert.path);
    std::erase_if(p.certificates, [&](const CertInfo& x) { return x.path == cert.path; });
  });
}

}  // namespace akis
