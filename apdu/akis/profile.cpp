// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/profile.hpp"

#include <algorithm>

#include "akis/error.hpp"
#include "akis/tlv.hpp"
#include "akis/trace.hpp"

namespace akis {

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

namespace {
// TokenInfo's serialNumber as the card serial: hex text (how the virtual card and many issuers write it) is
// decoded, so both sources give the same bytes; anything else is taken as stored.
Bytes serial_from(const TokenInfo& ti) {
  const std::string& s = ti.serial;
  bool hex = !s.empty() && s.size() % 2 == 0 &&
             s.find_first_not_of("0123456789ABCDEFabcdef") == std::string::npos;
  return hex && ti.serial_bytes == to_bytes(s) ? from_hex(s) : ti.serial_bytes;
}
}  // namespace

bool has_esign_application(AkisCommands& cmds) { return cmds.find_application().has_value(); }

Bytes read_card_serial(AkisCommands& cmds) {
  if (cmds.family().get_data_serial) {
    try {
      return cmds.serial_number();
    } catch (const CardError& e) {
      if (e.code() == Err::CardRemoved || e.code() == Err::CardReset || e.code() == Err::Pcsc ||
          e.code() == Err::SecureMessagingRequired)
        throw;
      trace::note(std::string("no card serial from GET DATA (") + e.what() + "): TokenInfo's serialNumber instead");
    }
  }
  cmds.select_application();
  return serial_from(parse_token_info(cmds.read_file(cmds.select_ef(0x5032))));
}

namespace {
template <class T>
void read_directory(const FileReader& read, const std::vector<Bytes>& paths, std::vector<T>& into,
                    std::vector<std::string>& skipped, std::vector<T> (*parse)(ByteView, std::vector<std::string>*),
                    const char* what) {
  for (auto& path : paths) {
    try {
      auto v = parse(read(path), &skipped);
      into.insert(into.end(), v.begin(), v.end());
    } catch (const CardError& e) {
      if (e.code() != Err::FileNotFound && e.code() != Err::Malformed) throw;
      skipped.push_back(std::string(what) + " " + to_hex(path) + ": " + e.what());
    }
  }
}
}  // namespace

const Bytes kOdfPath{0x50, 0x31}, kTokenInfoPath{0x50, 0x32};

CardProfile profile_from_files(ByteView atr, const FileReader& read) {
  CardProfile p;
  p.atr = classify_atr(atr);
  // ODF (5031) and TokenInfo (5032) sit in the application DF (ISO/IEC 7816-15 default identifiers).
  Bytes odf_data = read(kOdfPath);
  p.token = parse_token_info(read(kTokenInfoPath));
  p.card_serial = serial_from(p.token);
  OdfEntries odf = parse_odf(odf_data);
  read_directory(read, odf.aodf, p.pins, p.skipped, &parse_aodf, "AODF");
  read_directory(read, odf.prkdf, p.private_keys, p.skipped, &parse_prkdf, "PrKDF");
  read_directory(read, odf.pukdf, p.public_keys, p.skipped, &parse_pukdf, "PuKDF");
  p.cdf_paths = odf.cdf;
  p.dodf_paths = odf.dodf;
  read_directory(read, odf.cdf, p.certificates, p.skipped, &parse_cdf, "CDF");
  for (auto& s : p.skipped) trace::note("skipped: " + s);
  if (!p.user_pin()) throw CardError(Err::Malformed, "PKCS#15: no user PIN in the AODF");
  return p;
}

CardProfile read_profile(AkisCommands& cmds, ByteView atr, std::map<Bytes, Bytes>* files_read,
                         std::map<Bytes, std::uint8_t>* sfis) {
  const Family& fam = cmds.family();
  if (!cmds.find_application())
    throw CardError(Err::FileNotFound, "the card has no e-signature (PKCS#15) application");
  LifeCycle life_cycle = LifeCycle::Other;
  if (fam.get_data_life_cycle) {
    try {
      life_cycle = cmds.life_cycle();
    } catch (const CardError& e) {
      if (e.code() == Err::CardRemoved || e.code() == Err::CardReset || e.code() == Err::Pcsc) throw;
      trace::note(std::string("life cycle unknown: ") + e.what());
    }
  }
  // The same commands in the same order as ever (recordings replay in strict order): SELECT of the application,
  // ODF, TokenInfo, the GET DATA serial, then the directories. A one-FID path is a file of the application.
  cmds.select_application();
  std::optional<Bytes> serial;
  CardProfile p = profile_from_files(atr, [&](const Bytes& path) {
    FileInfo fi = cmds.select_object(path);
    Bytes data = cmds.read_file(fi);
    if (files_read) (*files_read)[path] = data;
    if (sfis && fi.sfi) (*sfis)[path] = fi.sfi;
    if (path == kTokenInfoPath && fam.get_data_serial) {
      try {
        serial = cmds.serial_number();
      } catch (const CardError& e) {
        if (e.code() == Err::CardRemoved || e.code() == Err::CardReset || e.code() == Err::Pcsc) throw;
        trace::note(std::string("card serial from TokenInfo (GET DATA: ") + e.what() + ")");
      }
    }
    return data;
  });
  p.life_cycle = life_cycle;
  if (serial) p.card_serial = *serial;
  return p;
}

Bytes trim_to_der(ByteView file) {
  try {
    std::size_t used = 0;
    Tlv t = parse_tlv(file, used);
    if (t.tag == 0x30 && used <= file.size()) return Bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(used));
  } catch (const CardError&) {
  }
  return Bytes(file.begin(), file.end());  // not DER: handed on as it is, for the caller to reject
}

PinFormat pin_format(const PinInfo& pin, const Secret& value) {
  if (value.size() < pin.min_length || value.size() > pin.max_length) return PinFormat::BadLength;
  if (pin.type != PinType::Utf8 && !value.all_digits()) return PinFormat::NotDigits;
  return PinFormat::Ok;
}

Secret encode_pin(const PinInfo& pin, const Secret& value) {
  ByteView v = value.bytes();
  Bytes out;
  auto digits_only = [&] {
    for (auto b : v)
      if (b < '0' || b > '9') throw CardError(Err::InvalidArgument, "PIN: this card stores digits only");
  };
  switch (pin.type) {
    case PinType::AsciiNumeric:
      digits_only();
      [[fallthrough]];
    case PinType::Utf8:
      out.assign(v.begin(), v.end());
      break;
    case PinType::Bcd:
      digits_only();
      for (std::size_t i = 0; i < v.size(); i += 2) {
        std::uint8_t lo = i + 1 < v.size() ? (v[i + 1] & 0x0F) : (pin.pad_char & 0x0F);
        out.push_back(static_cast<std::uint8_t>(((v[i] & 0x0F) << 4) | lo));
      }
      break;
    case PinType::Iso9564_1:  // ISO 9564-1 format 2: 2L, BCD digits, F fill, 8 bytes
      digits_only();
      if (v.size() < 4 || v.size() > 14) throw CardError(Err::InvalidArgument, "PIN: length for ISO 9564-1 format");
      out.assign(8, 0xFF);
      out[0] = static_cast<std::uint8_t>(0x20 | v.size());
      for (std::size_t i = 0; i < v.size(); ++i) {
        std::uint8_t& b = out[1 + i / 2];
        b = i % 2 ? static_cast<std::uint8_t>((b & 0xF0) | (v[i] & 0x0F))
                  : static_cast<std::uint8_t>(((v[i] & 0x0F) << 4) | 0x0F);
      }
      break;
    case PinType::HalfNibbleBcd:  // one digit per byte, high nibble F
      digits_only();
      for (auto b : v) out.push_back(static_cast<std::uint8_t>(0xF0 | (b & 0x0F)));
      break;
  }
  if (pin.needs_padding && pin.type != PinType::Iso9564_1) {
    // storedLength counts bytes, or digits for BCD (ISO/IEC 7816-15 PinAttributes).
    std::size_t stored = pin.type == PinType::Bcd ? (pin.stored_length + 1) / 2 : pin.stored_length;
    if (stored && out.size() > stored) {
      secure_wipe(out.data(), out.size());
      throw CardError(Err::InvalidArgument, "PIN: longer than the card stores");
    }
    out.resize(std::max(out.size(), stored), pin.pad_char);
  }
  Secret s{ByteView(out)};
  secure_wipe(out.data(), out.size());
  return s;
}

}  // namespace akis
