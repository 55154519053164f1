// SPDX-License-Identifier: LGPL-2.1-or-later
// A fresh process on a known card (docs/performance.md, "A fresh process on a known card"): the public content a
// cache kept (pkcs11/public_cache.*) is taken when the card is the cached one and its certificate directories are
// byte-identical. Only reads: no PIN command, nothing written; any surprise means "read the card in full".
#include "akis/card.hpp"
#include "akis/error.hpp"
#include "akis/trace.hpp"
#include "card_files.hpp"

namespace akis {

namespace {
using card_files::fatal;

bool same_application(const Application& a, const Application& b) {
  return a.how == b.how && a.df_name == b.df_name && a.path == b.path;
}

// The card serial in whatever DF another program left current: AKİS's GET DATA 01 06 is taken as a card-wide
// object (OpenSC's driver sent it without selecting anything first). Empty when the card refuses it here.
Bytes serial_here(AkisCommands& c) {
  if (!c.family().get_data_serial) return {};
  try {
    return c.serial_number();
  } catch (const CardError& e) {
    if (fatal(e)) throw;
    trace::note(std::string("GET DATA serial in the current DF: ") + e.what() + "; the application first");
    return {};
  }
}

// One CDF equal to its cached bytes. By its short EF identifier where the card announced one: READ BINARY in the
// current DF, one byte more than cached so that a file grown past its old end differs. Another DF left current
// gives another file or an error: then SELECT + READ BINARY, as the full read read it (FCI size or to the end).
bool cdf_unchanged(AkisCommands& c, const Bytes& path, const Bytes& cached, std::uint8_t sfi) {
  if (sfi) {
    try {
      if (c.read_short_ef(sfi, cached.size() + 1) == cached) return true;
      trace::note("CDF " + to_hex(path) + " by its short EF identifier differs: another DF current, or changed");
    } catch (const CardError& e) {
      if (fatal(e)) throw;
      trace::note("CDF " + to_hex(path) + " by its short EF identifier: " + e.what());
    }
  }
  return c.read_file(c.select_object(path)) == cached;
}
}  // namespace

bool Card::adopt(const std::function<std::optional<PublicContent>(ByteView serial)>& lookup) {
  std::lock_guard lock(mutex_);
  if (profile_) return false;
  Transaction tx(*transport_);
  cmds_.transaction_started();
  AkisCommands& c = cmds_;
  const std::size_t limit_before = c.read_limit();
  bool app_from_cache = false;
  // A miss leaves nothing of the cache behind: the full read that follows is the one without a cache.
  auto undo = [&] {
    if (app_from_cache) c.forget_application();
    c.set_read_limit(limit_before);
    return false;
  };
  try {
    Bytes serial = serial_here(c);
    if (serial.empty()) {  // refused in this DF, or a family without it: in the application, GET DATA or TokenInfo
      if (!c.find_application()) return false;
      serial = read_card_serial(c);
    }
    std::optional<PublicContent> found = lookup(serial);
    if (!found || found->atr != atr_ || found->serial != serial) return undo();
    const PublicContent& cached = *found;
    if (cached.app.df_name.empty() && cached.app.path.empty()) return undo();
    if (c.application()) {
      if (!same_application(*c.application(), cached.app)) return undo();
    } else {
      c.adopt_application(cached.app);  // no discovery: the cache knows where the application is
      app_from_cache = true;
    }
    if (cached.read_le) c.set_read_limit(cached.read_le);
    CardProfile p = profile_from_files(atr_, [&](const Bytes& path) {
      auto it = cached.directory.find(path);
      if (it == cached.directory.end()) throw CardError(Err::FileNotFound, "not in the cache");
      return it->second;
    });
    if (p.cdf_paths.empty()) return undo();  // nothing that would show a change: read in full
    for (auto& path : p.cdf_paths) {
      auto it = cached.directory.find(path);
      auto sfi = cached.sfi.find(path);
      if (it == cached.directory.end() ||
          !cdf_unchanged(c, path, it->second, sfi == cached.sfi.end() ? 0 : sfi->second))
        return undo();
    }
    p.card_serial = cached.serial;
    p.life_cycle = cached.life_cycle;
    profile_ = std::move(p);
    directory_ = cached.directory;
    sfis_ = cached.sfi;
    file_cache_ = cached.files;
    trace::note("public content taken from the cache: card unchanged");
    return true;
  } catch (const CardError& e) {
    undo();
    if (fatal(e)) throw;
    trace::note(std::string("cache not used: ") + e.what());
    return false;
  }
}

}  // namespace akis
