// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/card.hpp"

#include <algorithm>

#include "akis/error.hpp"
#include "akis/tlv.hpp"
#include "akis/trace.hpp"
#include "card_files.hpp"

namespace akis {

namespace card_files {
// Selects the DF that holds the file at `path` (the application for a bare FID).
void select_parent(AkisCommands& c, const Bytes& path) {
  if (path.size() <= 2) c.select_application();
  else c.select_object(Bytes(path.begin(), path.end() - 2));
}

// A free FID in [first, end) in the current DF: LIST FILES where the family has it, else SELECT.
std::uint16_t free_fid(AkisCommands& c, std::uint16_t first, std::uint16_t end) {
  std::vector<std::uint16_t> taken;
  if (c.family().list_files) {
    try {
      for (auto& f : c.list_files()) taken.push_back(f.fid);
      for (std::uint16_t candidate = first; candidate < end; ++candidate)
        if (std::find(taken.begin(), taken.end(), candidate) == taken.end()) return candidate;
      return 0;
    } catch (const CardError& e) {
      if (e.code() != Err::NotSupported) throw;  // LIST FILES refused: look file by file
    }
  }
  for (std::uint16_t candidate = first; candidate < end; ++candidate) {
    try {
      c.select_ef(candidate);
    } catch (const CardError& e) {
      if (e.code() == Err::FileNotFound) return candidate;
      throw;
    }
  }
  return 0;
}

bool fatal(const CardError& e) {
  return e.code() == Err::CardRemoved || e.code() == Err::CardReset || e.code() == Err::Pcsc;
}

Bytes write_new_file(AkisCommands& c, const Bytes& beside, std::uint16_t first, std::uint16_t end, ByteView content) {
  // The new EF goes next to the directory file (its DF's path, or nothing for a file named by its FID alone).
  Bytes path(beside.begin(), beside.end() - std::min<std::ptrdiff_t>(2, std::ssize(beside)));
  select_parent(c, beside);
  std::uint16_t fid = free_fid(c, first, end);
  if (!fid) throw CardError(Err::MemoryFailure, "no free file identifier on the card");
  path.push_back(static_cast<std::uint8_t>(fid >> 8));
  path.push_back(static_cast<std::uint8_t>(fid));
  c.create_ef(fid);
  try {
    c.update_binary(0, content);
  } catch (const CardError& e) {
    undo_new_file(c, path, e);
    throw;
  }
  return path;
}

void undo_new_file(AkisCommands& c, const Bytes& path, const CardError& why) {
  if (fatal(why)) return;
  try {
    delete_file(c, path);
  } catch (const CardError& again) {
    trace::note(std::string("new file ") + to_hex(path) + " left behind: " + again.what());
  }
}

void delete_file(AkisCommands& c, const Bytes& path) {
  select_parent(c, path);
  c.delete_ef(be16(path, path.size() - 2));
}

void append_entry(AkisCommands& c, const Bytes& path, ByteView entry) {
  Bytes dir = c.read_file(c.select_object(path));
  const std::size_t at = used_length(dir);
  std::size_t written = 0;
  try {
    for (; written < entry.size(); written += std::min(entry.size() - written, Channel::kMaxData))
      c.update_binary(at + written, entry.subspan(written, std::min(entry.size() - written, Channel::kMaxData)));
  } catch (const CardError& e) {
    if (fatal(e) || written == 0) throw;
    try {
      c.update_binary(at, Bytes(written, 0x00));
    } catch (const CardError& again) {
      trace::note(std::string("directory ") + to_hex(path) + " holds a partial entry: " + again.what());
    }
    throw;
  }
}

void rewrite(AkisCommands& c, const Bytes& path, Bytes content, std::size_t old_used) {
  content.resize(std::max(content.size(), old_used), 0x00);  // the file keeps its size: pad the end
  c.select_object(path);
  c.update_binary(0, content);
}

}  // namespace card_files

Card::Card(std::unique_ptr<Transport> transport)
    : transport_(std::move(transport)), channel_(*transport_), cmds_(channel_, family_of_atr(transport_->atr())),
      reader_(transport_->name()), atr_(transport_->atr()) {}

const CardProfile& Card::profile() {
  std::lock_guard lock(mutex_);
  if (!profile_) {
    Transaction tx(*transport_);
    cmds_.transaction_started();
    directory_.clear();
    sfis_.clear();
    profile_ = read_profile(cmds_, atr_, &directory_, &sfis_);
  }
  return *profile_;
}

PublicContent Card::public_content() {
  const CardProfile& p = profile();
  std::lock_guard lock(mutex_);
  return PublicContent{atr_,       p.card_serial,      p.life_cycle, cmds_.application().value_or(Application{}),
                       cmds_.read_limit(), directory_, sfis_, file_cache_};
}

namespace {
// Direct values (no path) are cached under a key no path can have: paths have an even length, this one is odd.
Bytes cache_key(const CertInfo& c) {
  if (!c.path.empty()) return c.path;
  Bytes k{0xFF};
  append(k, c.id);
  if (k.size() % 2 == 0) k.push_back(0xFF);
  return k;
}
}  // namespace

const Bytes& Card::certificate(const CertInfo& cert) {
  return locked([&](AkisCommands& c) -> const Bytes& {
    Bytes key = cache_key(cert);
    auto it = file_cache_.find(key);
    if (it != file_cache_.end()) return it->second;
    Bytes der = cert.path.empty() ? cert.value : trim_to_der(c.read_file(c.select_object(cert.path)));
    return file_cache_.emplace(key, std::move(der)).first->second;
  });
}

const Bytes& Card::public_key(const KeyInfo& pub) {
  return locked([&](AkisCommands& c) -> const Bytes& {
    auto it = file_cache_.find(pub.path);
    if (it != file_cache_.end()) return it->second;
    Bytes data = c.read_file(c.select_object(pub.path));  // an empty path: FileNotFound
    return file_cache_.emplace(pub.path, std::move(data)).first->second;
  });
}

PinStatus Card::pin_status(const PinInfo& pin) {
  return locked([&](AkisCommands& c) {
    if (!c.family().pin_probe_read_only) return PinStatus{false, false, -1, true};  // nothing sent
    c.select_application();
    return c.pin_status(pin.reference);
  });
}

void Card::verify(const PinInfo& pin, const Secret& value) {
  Secret encoded = encode_pin(pin, value);
  locked([&](AkisCommands& c) {
    c.select_application();
    c.verify(pin.reference, encoded);
  });
}

void Card::change_pin(const PinInfo& pin, const Secret& old_pin, const Secret& new_pin) {
  Secret old_encoded = encode_pin(pin, old_pin), new_encoded = encode_pin(pin, new_pin);
  locked([&](AkisCommands& c) {
    c.select_application();
    c.change_pin(pin.reference, old_encoded, new_encoded);
  });
}

void Card::unblock_with_puk(const PinInfo& pin, const Secret& puk, const Secret& new_pin) {
  const CardProfile& p = profile();
  const PinInfo* puk_info = p.puk();
  if (!puk_info || family().puk_unblock == PukUnblock::None)
    throw CardError(Err::NotSupported, "this card has no PUK unblock");
  Secret puk_encoded = encode_pin(*puk_info, puk), new_encoded = encode_pin(pin, new_pin);
  // One transaction: no other program can use the verified PUK in between.
  locked([&](AkisCommands& c) {
    c.select_application();
    c.verify(puk_info->reference, puk_encoded);
    c.unblock_authorised(pin.reference, new_encoded);
  });
}

void Card::unblock_authorised(const PinInfo& pin, const Secret& new_pin) {
  Secret encoded = encode_pin(pin, new_pin);
  locked([&](AkisCommands& c) {
    c.select_application();
    c.unblock_authorised(pin.reference, encoded);
  });
}

void Card::unblock_online(const PinInfo& pin, std::uint8_t auth_key_ref,
                          const std::function<Bytes(const Bytes&)>& authorise, const Secret& new_pin) {
  Secret encoded = encode_pin(pin, new_pin);
  // The challenge, the authentication and the reset run in one transaction: no other program can
  // consume the challenge or the authorisation in between.
  locked([&](AkisCommands& c) {
    c.select_application();
    Bytes challenge = c.get_challenge(8);
    Bytes cryptogram = authorise(challenge);
    c.external_authenticate(auth_key_ref, cryptogram);
    c.unblock_authorised(pin.reference, encoded);
  });
}

bool Card::logout() {
  return locked([&](AkisCommands& c) { return c.logout(); });
}

Bytes Card::read_serial() {
  return locked([&](AkisCommands& c) { return read_card_serial(c); });
}

void Card::select_key(AkisCommands& c, const KeyInfo& key) {
  c.select_application();
  bool path_selected = false;
  if (c.family().select_key_path && !key.path.empty()) {
    // The key's file or DF, as OpenSC's driver selected it before MSE. A path that names nothing on this card is
    // not an error while the reference alone addresses the key.
    try {
      c.select_object(key.path);
      path_selected = true;
    } catch (const CardError& e) {
      if (e.code() != Err::FileNotFound || !key.has_key_reference) throw;
      trace::note("key path " + to_hex(key.path) + " not on the card: MSE with the key reference only");
      c.select_application();
    }
  }
  if (key.has_key_reference) {
    c.select_key(key.key_reference);
  } else if (!path_selected) {
    throw CardError(Err::ReferenceNotFound, "PKCS#15: the key has neither a reference nor a path");
  }
}

Bytes Card::sign(const KeyInfo& key, ByteView input) {
  Bytes sig = locked([&](AkisCommands& c) {
    select_key(c, key);
    return c.compute_signature(input);
  });
  return normalise_signature(key, std::move(sig));
}

Bytes Card::decipher(const KeyInfo& key, ByteView cryptogram) {
  Bytes block = locked([&](AkisCommands& c) {
    select_key(c, key);
    return c.decipher(cryptogram);
  });
  // The raw RSA result, left-padded to the modulus like a signature (a card that strips leading zeros would
  // otherwise always lose the 00 that starts every PKCS#1 / OAEP block).
  std::size_t n = (key.bits + 7) / 8;
  if (key.type == KeyType::Rsa && n && block.size() < n) {
    Bytes padded(n, 0x00);  // a secret: the shorter buffer is wiped, not left behind by a reallocation
    std::copy(block.begin(), block.end(), padded.begin() + static_cast<std::ptrdiff_t>(n - block.size()));
    secure_wipe(block.data(), block.size());
    return padded;
  }
  return block;
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
    CertInfo info{label, Bytes(id.begin(), id.end()), authority, {}, {}};
    info.path = card_files::write_new_file(c, cdf_path, card_files::kCertFirst, card_files::kCertEnd, der);
    try {
      card_files::append_entry(c, cdf_path, encode_cdf_entry(info));  // only once the file is written
    } catch (const CardError& e) {
      card_files::undo_new_file(c, info.path, e);
      throw;
    }
    file_cache_[info.path] = Bytes(der.begin(), der.end());
    p.certificates.push_back(info);
    return info;
  });
}

void Card::remove_certificate(const CertInfo& cert) {
  profile();
  if (cert.path.size() < 2) throw CardError(Err::NotSupported, "this certificate is not in a file of its own");
  locked([&](AkisCommands& c) {
    CardProfile& p = *profile_;
    const Bytes& cdf_path = first_cdf(p);
    Bytes cdf = c.read_file(c.select_object(cdf_path));
    Bytes kept;
    for (auto& e : parse_tlvs(cdf)) {
      auto parsed = parse_cdf(e.whole);
      if (parsed.size() == 1 && parsed[0].path == cert.path) continue;
      append(kept, e.whole);
    }
    // The file goes first: a DELETE FILE the card refuses leaves the CDF as it was.
    card_files::delete_file(c, cert.path);
    file_cache_.erase(cert.path);
    std::erase_if(p.certificates, [&](const CertInfo& x) { return x.path == cert.path; });
    card_files::rewrite(c, cdf_path, std::move(kept), used_length(cdf));
  });
}

}  // namespace akis
