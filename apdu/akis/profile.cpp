#include "akis/profile.hpp"

#include <algorithm>

#include "akis/error.hpp"

namespace akis {

const Bytes kPkcs15DfName = {'P', 'K', 'C', 'S', '-', '1', '5'};

const PinInfo* CardProfile::user_pin() const {
  for (auto& p : pins)
    if (!p.unblocking) return &p;
  return nullptr;
}

const PinInfo* CardProfile::puk() const {
  for (auto& p : pins)
    if (p.unblocking) return &p;
  return nullptr;
}

const PinInfo* CardProfile::pin_by_auth_id(ByteView auth_id) const {
  for (auto& p : pins)
    if (std::equal(p.auth_id.begin(), p.auth_id.end(), auth_id.begin(), auth_id.end())) return &p;
  return nullptr;
}

const KeyInfo* CardProfile::public_key_for(ByteView id) const {
  for (auto& k : public_keys)
    if (std::equal(k.id.begin(), k.id.end(), id.begin(), id.end())) return &k;
  return nullptr;
}

bool has_esign_application(AkisCommands& cmds) {
  try {
    cmds.select_name(kPkcs15DfName);
    return true;
  } catch (const CardError& e) {
    if (e.code() == Err::FileNotFound || e.code() == Err::WrongParameters || e.code() == Err::NotSupported)
      return false;
    throw;
  }
}

namespace {
Bytes read_ef_at(AkisCommands& cmds, ByteView path) { return cmds.read_file(cmds.select_path(path)); }
}  // namespace

CardProfile read_profile(AkisCommands& cmds, ByteView atr) {
  CardProfile p;
  p.atr = classify_atr(atr);
  p.card_serial = cmds.serial_number();
  p.life_cycle = cmds.life_cycle();
  if (!has_esign_application(cmds))
    throw CardError(Err::FileNotFound, "the card has no e-signature (PKCS#15) application");
  // ODF (5031) and TokenInfo (5032) sit in the application DF (ISO/IEC 7816-15 default identifiers).
  Bytes odf_data = cmds.read_file(cmds.select_ef(0x5031));
  p.token = parse_token_info(cmds.read_file(cmds.select_ef(0x5032)));
  OdfEntries odf = parse_odf(odf_data);
  for (auto& path : odf.aodf) {
    auto v = parse_aodf(read_ef_at(cmds, path));
    p.pins.insert(p.pins.end(), v.begin(), v.end());
  }
  for (auto& path : odf.prkdf) {
    auto v = parse_prkdf(read_ef_at(cmds, path));
    p.private_keys.insert(p.private_keys.end(), v.begin(), v.end());
  }
  for (auto& path : odf.pukdf) {
    auto v = parse_pukdf(read_ef_at(cmds, path));
    p.public_keys.insert(p.public_keys.end(), v.begin(), v.end());
  }
  p.cdf_paths = odf.cdf;
  for (auto& path : odf.cdf) {
    auto v = parse_cdf(read_ef_at(cmds, path));
    p.certificates.insert(p.certificates.end(), v.begin(), v.end());
  }
  if (!p.user_pin()) throw CardError(Err::Malformed, "PKCS#15: no user PIN in the AODF");
  return p;
}

}  // namespace akis
