// SPDX-License-Identifier: LGPL-2.1-or-later
#include "personalise.hpp"

#include "pkcs15_layout.hpp"
#include "quirks.hpp"

#include <botan/asn1_obj.h>
#include <botan/auto_rng.h>
#include <botan/block_cipher.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/mac.h>
#include <botan/pkcs8.h>
#include <botan/rsa.h>
#include <botan/x509_ca.h>
#include <botan/x509_ext.h>
#include <botan/x509self.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace akis::vcard {

namespace fs = std::filesystem;

namespace {

// Illustrative policy OIDs under Turkey's arc (2.16.792); a real issuer's OIDs replace these.
const char* kNesPolicy = "2.16.792.1.2.1.1.5.7.1.9";
const char* kSealPolicy = "2.16.792.1.2.1.1.5.7.3.1";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
void write_text(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

Bytes vec(const std::vector<uint8_t>& v) { return Bytes(v.begin(), v.end()); }
Bytes vec(const Botan::secure_vector<uint8_t>& v) { return Bytes(v.begin(), v.end()); }

struct Pair {
  std::string label;
  std::unique_ptr<Botan::Private_Key> key;
  bool sign = true, decrypt = false, non_repudiation = false;
};

struct Ca {
  std::unique_ptr<Botan::Private_Key> key;
  std::unique_ptr<Botan::X509_Certificate> cert;
};

Ca load_or_create_ca(const std::string& dir, Botan::RandomNumberGenerator& rng) {
  Ca ca;
  fs::path d = dir.empty() ? fs::path() : fs::path(dir);
  if (!dir.empty() && fs::exists(d / "ca-key.pem") && fs::exists(d / "ca-cert.pem")) {
    Botan::DataSource_Memory ks(read_text(d / "ca-key.pem"));
    ca.key = Botan::PKCS8::load_key(ks);
    ca.cert = std::make_unique<Botan::X509_Certificate>((d / "ca-cert.pem").string());
    return ca;
  }
  ca.key = std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("secp384r1"));
  Botan::X509_Cert_Options o("", 0);
  o.common_name = "AKİS Sanal Test Kök SM (TEST ONLY)";
  o.organization = "Açık AKİS Projesi Test";
  o.country = "TR";
  o.CA_key();
  o.start = Botan::X509_Time(std::chrono::system_clock::now() - std::chrono::hours(24 * 30));
  o.end = Botan::X509_Time(std::chrono::system_clock::now() + std::chrono::hours(24 * 3650));
  ca.cert = std::make_unique<Botan::X509_Certificate>(Botan::X509::create_self_signed_cert(o, *ca.key, "SHA-384", rng));
  if (!dir.empty()) {
    fs::create_directories(d);
    write_text(d / "ca-key.pem", Botan::PKCS8::PEM_encode(*ca.key));
    write_text(d / "ca-cert.pem", ca.cert->PEM_encode());
  }
  return ca;
}

Bytes key_id(const Botan::Private_Key& k) {
  auto h = Botan::HashFunction::create_or_throw("SHA-1");
  auto id = h->process(k.public_key_bits());
  return Bytes(id.begin(), id.end());
}

std::string random_digits(std::size_t n, Botan::RandomNumberGenerator& rng) {
  std::string s;
  while (s.size() < n) {
    uint8_t b = 0;
    rng.randomize(&b, 1);
    if (b < 250) s.push_back(static_cast<char>('0' + b % 10));
  }
  if (s[0] == '0') s[0] = '1';
  return s;
}

}  // namespace

std::string make_tc_kimlik_no() {
  Botan::AutoSeeded_RNG rng;
  std::string d = random_digits(9, rng);
  int odd = 0, even = 0;
  for (int i = 0; i < 9; ++i) (i % 2 == 0 ? odd : even) += d[static_cast<std::size_t>(i)] - '0';
  int d10 = ((odd * 7 - even) % 10 + 10) % 10;
  int sum = 0;
  for (char c : d) sum += c - '0';
  sum += d10;
  d.push_back(static_cast<char>('0' + d10));
  d.push_back(static_cast<char>('0' + sum % 10));
  return d;
}

Bytes diversify_unblock_key(ByteView master, ByteView serial) {
  // K_card = AES-256-ECB(M, SHA-256("AKIS-UNLOCK-V1" || serial)): what the issuer's token derives with
  // CKM_AES_ECB_ENCRYPT_DATA (tools/unlockd/token.hpp, docs/unlock-protocol.md).
  auto hash = Botan::HashFunction::create_or_throw("SHA-256");
  static const std::string label = "AKIS-UNLOCK-V1";
  hash->update(label);
  hash->update(serial.data(), serial.size());
  auto data = hash->final();
  auto aes = Botan::BlockCipher::create_or_throw("AES-256");
  aes->set_key(master.data(), master.size());
  Bytes key(data.size());
  aes->encrypt_n(data.data(), key.data(), data.size() / aes->block_size());
  return key;
}

namespace {

void check_family(const PersonaliseOptions& o) {
  atr_for_family(o.family);  // throws for an unknown family
  // 2.5 cards add ECDSA (CARD.md); OpenSC's driver knew RSA-2048 only (1.0).
  if (o.ec_key && o.family != "2x") throw std::runtime_error("EC keys exist only on 2.x cards (family 2x)");
  check_quirks(o.family, o.quirks, o.ec_key);
}

// 1.0 cards (2007) predate the 2011 online unblock: they always have a PUK.
bool has_puk(const PersonaliseOptions& o) { return o.pre2011 || o.family == "1.0"; }

Bytes padded(const std::string& value, std::size_t stored_len, std::uint8_t pad) {
  Bytes v = to_bytes(value);
  if (stored_len > v.size()) v.resize(stored_len, pad);
  return v;
}

}  // namespace

CardMaterial make_material(const PersonaliseOptions& o) {
  check_family(o);
  Botan::AutoSeeded_RNG rng;
  CardMaterial m;
  if (o.serial_hex.empty()) {
    m.serial.resize(12);
    rng.randomize(m.serial.data(), m.serial.size());
  } else {
    m.serial = from_hex(o.serial_hex);
    if (m.serial.size() != 12) throw std::runtime_error("serial must be 12 bytes");
  }
  if (!has_puk(o) && !o.card_key_file.empty()) {  // the issuer token derived this card's key (akis-unlockd card-key)
    if (o.serial_hex.empty()) throw std::runtime_error("--card-key needs the --serial it was derived for");
    std::string text = read_text(o.card_key_file);
    std::erase_if(text, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
    try {
      m.unblock_key = from_hex(text);
    } catch (const std::exception&) {
      m.unblock_key.clear();
    }
    if (m.unblock_key.size() != 32) throw std::runtime_error("the card key file must hold 64 hex digits");  // never the content
  } else if (!has_puk(o)) {
    Bytes master;
    if (!o.issuer_master_file.empty() && fs::exists(o.issuer_master_file)) {
      master = from_hex(read_text(o.issuer_master_file));
    } else {
      master.resize(32);
      rng.randomize(master.data(), master.size());
      if (!o.issuer_master_file.empty()) {
        write_text(o.issuer_master_file, to_hex(master) + "\n");
        fs::permissions(o.issuer_master_file, fs::perms::owner_read | fs::perms::owner_write);  // a secret
      }
    }
    m.unblock_key = diversify_unblock_key(master, m.serial);
  }
  if (!o.esign_app) return m;

  const std::string nid = o.national_id.empty() ? (o.seal ? random_digits(10, rng) : make_tc_kimlik_no()) : o.national_id;
  Ca ca = load_or_create_ca(o.ca_dir, rng);
  Botan::X509_CA issuer(*ca.cert, *ca.key, "SHA-384", rng);
  m.issuer_cert_der = vec(ca.cert->BER_encode());

  std::vector<Pair> pairs;
  {
    Pair p;
    p.label = o.seal ? "Mali Mühür İmza Anahtarı" : "Nitelikli İmza Anahtarı";
    p.key = std::make_unique<Botan::RSA_PrivateKey>(rng, 2048);
    p.non_repudiation = true;
    pairs.push_back(std::move(p));
  }
  if (o.second_rsa) {
    Pair p;
    p.label = "Şifreleme Anahtarı";
    p.key = std::make_unique<Botan::RSA_PrivateKey>(rng, 2048);
    p.sign = true;
    p.decrypt = true;
    pairs.push_back(std::move(p));
  }
  if (o.ec_key) {
    Pair p;
    p.label = "EC İmza Anahtarı";
    p.key = std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group(o.ec_curve));
    p.non_repudiation = true;
    pairs.push_back(std::move(p));
  }

  const auto now = std::chrono::system_clock::now();
  const auto not_before = now + std::chrono::hours(24) * o.valid_from_days;
  const auto not_after = not_before + std::chrono::hours(24) * o.valid_days;
  for (auto& p : pairs) {
    Botan::X509_Cert_Options co("", 0);
    co.country = "TR";
    co.serial_number = nid;
    if (o.seal) {
      co.common_name = o.company;
      co.organization = o.company;
    } else {
      co.common_name = o.holder;
    }
    Botan::Key_Constraints kc = Botan::NO_CONSTRAINTS;
    if (p.non_repudiation) kc = Botan::Key_Constraints(kc | Botan::NON_REPUDIATION);
    if (p.decrypt) kc = Botan::Key_Constraints(kc | Botan::KEY_ENCIPHERMENT | Botan::DATA_ENCIPHERMENT);
    if (!p.non_repudiation && p.sign) kc = Botan::Key_Constraints(kc | Botan::DIGITAL_SIGNATURE);
    co.constraints = kc;
    co.extensions.add(new Botan::Cert_Extension::Certificate_Policies(
        {Botan::OID::from_string(o.seal ? kSealPolicy : kNesPolicy)}));
    auto req = Botan::X509::create_cert_req(co, *p.key, "SHA-256", rng);
    Botan::BigInt serial(rng, 64);
    auto cert = issuer.sign_request(req, rng, serial, Botan::X509_Time(not_before), Botan::X509_Time(not_after));
    KeyMaterial k;
    k.label = p.label;
    k.pkcs8 = vec(Botan::PKCS8::BER_encode(*p.key));
    k.id = key_id(*p.key);
    k.sign = p.sign;
    k.decrypt = p.decrypt;
    k.non_repudiation = p.non_repudiation;
    k.cert_der = vec(cert.BER_encode());
    m.keys.push_back(std::move(k));
  }
  return m;
}

CardState build_card(const PersonaliseOptions& o, const CardMaterial& m) {
  check_family(o);
  CardState s;
  s.family = o.family;
  s.atr = atr_for_family(o.family);
  s.serial = m.serial;
  s.quirks = o.quirks;
  s.life_cycle = 0xA5;
  File mf;
  mf.path = kMfPath;
  mf.is_df = true;
  s.files.push_back(mf);

  if (!o.esign_app) {  // a national-ID-like card: same ATR family, another application
    File df;
    df.path = {0x3F, 0x00, 0x3D, 0x00};
    df.is_df = true;
    df.df_name = to_bytes("TCKK-ID");
    s.files.push_back(df);
    File info;
    info.path = {0x3F, 0x00, 0x3D, 0x00, 0x2F, 0x01};
    info.data = to_bytes("not an e-signature application");
    s.files.push_back(info);
    return s;
  }

  DirectoryOptions d;
  d.family = o.family;
  d.quirks = o.quirks;
  d.pre2011 = has_puk(o);
  d.always_authenticate = o.always_authenticate;
  d.token_label = o.seal ? o.company : o.holder;
  d.serial = m.serial;
  d.issuer_cert_der = m.issuer_cert_der;
  std::vector<DirectoryKey> dir_keys;
  std::uint8_t ref = 1;
  for (auto& k : m.keys) {
    DirectoryKey dk;
    dk.label = k.label;
    dk.pkcs8 = k.pkcs8;
    dk.id = k.id;
    dk.ref = ref++;
    dk.sign = k.sign;
    dk.decrypt = k.decrypt;
    dk.non_repudiation = k.non_repudiation;
    dk.cert_der = k.cert_der;
    dir_keys.push_back(std::move(dk));
  }
  for (auto& f : build_application(d, dir_keys)) s.files.push_back(std::move(f));

  const std::uint8_t pin_ref = user_pin_ref(o.quirks);
  for (auto& dk : dir_keys) {
    KeyObject k;
    k.ref = dk.ref;
    k.df = kAppPath;
    k.path = key_file_path(dk.ref);
    Botan::DataSource_Memory src(dk.pkcs8.data(), dk.pkcs8.size());
    k.type = Botan::PKCS8::load_key(src)->algo_name() == "RSA" ? "rsa" : "ec";
    k.pkcs8 = dk.pkcs8;
    k.pin_ref = pin_ref;
    k.user_consent = o.always_authenticate && dk.non_repudiation;
    k.can_sign = dk.sign;
    k.can_decrypt = dk.decrypt;
    s.keys.push_back(std::move(k));
  }

  const std::size_t stored = pin_stored_length(o.quirks);
  const std::size_t min_len = has_quirk(o.quirks, "pin-min-0") ? 1 : 6;
  PinObject pin;
  pin.ref = pin_ref;
  pin.df = kAppPath;
  pin.stored_len = stored;
  pin.min_len = min_len;
  pin.value = padded(o.pin, stored, pin.pad_char);
  if (has_puk(o)) {
    pin.puk_ref = kPukRef;
    PinObject puk = pin;
    puk.ref = kPukRef;
    puk.puk_ref.reset();
    puk.value = padded(o.puk, stored, puk.pad_char);
    s.pins.push_back(pin);
    s.pins.push_back(puk);
  } else {
    pin.unblock_key = 0x01;
    s.pins.push_back(pin);
    AuthKey ak;
    ak.ref = 0x01;
    ak.secret = m.unblock_key;
    s.auth_keys.push_back(std::move(ak));
  }
  return s;
}

CardState personalise(const PersonaliseOptions& o) { return build_card(o, make_material(o)); }

}  // namespace akis::vcard
