#include "personalise.hpp"

#include <botan/asn1_obj.h>
#include <botan/auto_rng.h>
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

const Bytes kMf = {0x3F, 0x00};
const Bytes kAppDf = {0x3F, 0x00, 0x50, 0x15};
const Bytes kAppName = {'P', 'K', 'C', 'S', '-', '1', '5'};

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

// BIT STRING content with bit n (0 = most significant bit of the first byte) set for each n.
std::vector<uint8_t> bits(std::initializer_list<int> set) {
  int top = 0;
  for (int b : set) top = std::max(top, b);
  std::vector<uint8_t> out(static_cast<std::size_t>(top / 8 + 1), 0);
  for (int b : set) out[static_cast<std::size_t>(b / 8)] |= static_cast<uint8_t>(0x80 >> (b % 8));
  return out;
}

Botan::ASN1_String utf8(const std::string& s) { return Botan::ASN1_String(s, Botan::UTF8_STRING); }

void encode_path(Botan::DER_Encoder& der, const Bytes& path) {
  der.start_cons(Botan::SEQUENCE).encode(path.data(), path.size(), Botan::OCTET_STRING).end_cons();
}

struct Pair {
  std::string label;
  std::unique_ptr<Botan::Private_Key> key;
  std::uint8_t key_ref = 0;
  Bytes id;
  bool sign = true, decrypt = false, non_repudiation = false;
  Bytes cert_der;
  Bytes cert_path, pub_path;
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

Bytes build_odf() {
  std::vector<uint8_t> out;
  Botan::DER_Encoder der(out);
  auto entry = [&](int tag, std::uint8_t fid_lo) {
    Bytes p = kAppDf;
    p.push_back(0x44), p.push_back(fid_lo);
    der.start_cons(static_cast<Botan::ASN1_Tag>(tag), Botan::CONTEXT_SPECIFIC);
    encode_path(der, p);
    der.end_cons();
  };
  entry(0, 0x02);  // PrKDF
  entry(1, 0x03);  // PuKDF
  entry(4, 0x04);  // CDF
  entry(8, 0x01);  // AODF
  return vec(out);
}

Bytes build_token_info(const Bytes& serial, const std::string& label) {
  std::vector<uint8_t> out;
  Botan::DER_Encoder der(out);
  std::string serial_text = Botan::hex_encode(serial.data(), serial.size());
  der.start_cons(Botan::SEQUENCE)
      .encode(static_cast<size_t>(0))
      .encode(reinterpret_cast<const uint8_t*>(serial_text.data()), serial_text.size(), Botan::OCTET_STRING)
      .encode(utf8("TÜBİTAK BİLGEM (virtual)"))
      .add_object(static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC, label)
      .encode(bits({1}), Botan::BIT_STRING)  // tokenflags: loginRequired
      .end_cons();
  return vec(out);
}

void encode_pin(Botan::DER_Encoder& der, const std::string& label, const Bytes& auth_id,
                const Bytes& unblocker_auth_id, std::uint8_t ref, bool unblocking, size_t min_len, size_t max_len) {
  der.start_cons(Botan::SEQUENCE);
  der.start_cons(Botan::SEQUENCE).encode(utf8(label)).encode(bits({0}), Botan::BIT_STRING);  // private
  if (!unblocker_auth_id.empty()) der.encode(unblocker_auth_id.data(), unblocker_auth_id.size(), Botan::OCTET_STRING);
  der.end_cons();
  der.start_cons(Botan::SEQUENCE).encode(auth_id.data(), auth_id.size(), Botan::OCTET_STRING).end_cons();
  der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC);
  der.start_cons(Botan::SEQUENCE);
  if (unblocking) der.encode(bits({1, 4, 6}), Botan::BIT_STRING);  // local, initialized, unblockingPin
  else der.encode(bits({1, 4}), Botan::BIT_STRING);               // local, initialized
  der.add_object(Botan::ENUMERATED, Botan::UNIVERSAL, static_cast<uint8_t>(1));  // ascii-numeric
  der.encode(min_len).encode(max_len).encode(max_len);               // min, stored, max
  der.encode(Botan::BigInt(ref), static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC);
  der.end_cons().end_cons().end_cons();
}

std::size_t key_bits(const Botan::Private_Key& k) { return k.key_length(); }

Botan::OID curve_oid(const Botan::Private_Key& k) {
  return dynamic_cast<const Botan::EC_PrivateKey&>(k).domain().get_curve_oid();
}

Bytes build_key_df(const std::vector<Pair>& pairs, bool is_private, const Bytes& pin_auth_id, bool consent) {
  std::vector<uint8_t> out;
  Botan::DER_Encoder der(out);
  for (auto& p : pairs) {
    bool ec = p.key->algo_name() == "ECDSA";
    if (ec) der.start_cons(static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC);
    else der.start_cons(Botan::SEQUENCE);
    // CommonObjectAttributes
    der.start_cons(Botan::SEQUENCE).encode(utf8(p.label));
    if (is_private) {
      der.encode(bits({0}), Botan::BIT_STRING).encode(pin_auth_id.data(), pin_auth_id.size(), Botan::OCTET_STRING);
      if (consent && p.non_repudiation) der.encode(static_cast<size_t>(1));  // userConsent
    }
    der.end_cons();
    // CommonKeyAttributes: iD, usage, native, accessFlags, keyReference
    std::vector<int> usage;
    if (is_private) {
      if (p.sign) usage.push_back(2);
      if (p.decrypt) usage.push_back(1), usage.push_back(5);
      if (p.non_repudiation) usage.push_back(9);
    } else {
      if (p.sign) usage.push_back(6);
      if (p.decrypt) usage.push_back(0), usage.push_back(4);
    }
    std::vector<uint8_t> ub(2, 0);
    for (int b : usage) ub[static_cast<std::size_t>(b / 8)] |= static_cast<uint8_t>(0x80 >> (b % 8));
    der.start_cons(Botan::SEQUENCE)
        .encode(p.id.data(), p.id.size(), Botan::OCTET_STRING)
        .encode(ub, Botan::BIT_STRING);
    if (is_private) {
      der.encode(true);
      der.encode(bits({0, 2}), Botan::BIT_STRING);  // sensitive, neverExtractable... (alwaysSensitive)
      der.encode(static_cast<size_t>(p.key_ref));
    }
    der.end_cons();
    // [1] type-specific attributes
    der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC).start_cons(Botan::SEQUENCE);
    Bytes path = is_private ? kAppDf : p.pub_path;
    if (is_private) path.push_back(0x00), path.push_back(p.key_ref);
    encode_path(der, path);
    if (ec) der.encode(curve_oid(*p.key));
    else der.encode(key_bits(*p.key));
    der.end_cons().end_cons();
    der.end_cons();
  }
  return vec(out);
}

Bytes build_cdf(const std::vector<Pair>& pairs) {
  std::vector<uint8_t> out;
  Botan::DER_Encoder der(out);
  for (auto& p : pairs) {
    der.start_cons(Botan::SEQUENCE);
    der.start_cons(Botan::SEQUENCE).encode(utf8(p.label)).end_cons();
    der.start_cons(Botan::SEQUENCE).encode(p.id.data(), p.id.size(), Botan::OCTET_STRING).end_cons();
    der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC).start_cons(Botan::SEQUENCE);
    encode_path(der, p.cert_path);
    der.end_cons().end_cons();
    der.end_cons();
  }
  return vec(out);
}

File ef(const Bytes& dir, std::uint16_t fid, Bytes data, Access write) {
  File f;
  f.path = dir;
  f.path.push_back(static_cast<std::uint8_t>(fid >> 8));
  f.path.push_back(static_cast<std::uint8_t>(fid));
  f.data = std::move(data);
  f.read = Access::Always;
  f.write = write;
  f.pin_ref = 0x81;
  return f;
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
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(master.data(), master.size());
  static const std::string label = "AKIS-UNLOCK-V1";
  mac->update(label);
  mac->update(serial.data(), serial.size());
  return vec(mac->final());
}

CardState personalise(const PersonaliseOptions& o) {
  Botan::AutoSeeded_RNG rng;
  CardState s;
  s.family = o.family;
  s.atr = atr_for_family(o.family);
  if (o.serial_hex.empty()) {
    s.serial.resize(12);
    rng.randomize(s.serial.data(), s.serial.size());
  } else {
    s.serial = from_hex(o.serial_hex);
    if (s.serial.size() != 12) throw std::runtime_error("serial must be 12 bytes");
  }
  s.life_cycle = 0xA5;
  File mf;
  mf.path = kMf;
  mf.is_df = true;
  s.files.push_back(mf);

  if (!o.esign_app) {  // a national-ID-like card: same ATR family, another application
    File df;
    df.path = {0x3F, 0x00, 0x3D, 0x00};
    df.is_df = true;
    df.df_name = to_bytes("TCKK-ID");
    s.files.push_back(df);
    s.files.push_back(ef(df.path, 0x2F01, to_bytes("not an e-signature application"), Access::Never));
    return s;
  }

  const std::string nid = o.national_id.empty() ? (o.seal ? random_digits(10, rng) : make_tc_kimlik_no()) : o.national_id;
  Ca ca = load_or_create_ca(o.ca_dir, rng);
  Botan::X509_CA issuer(*ca.cert, *ca.key, "SHA-384", rng);

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
  std::uint8_t ref = 1;
  std::uint16_t cert_fid = 0x2F10, pub_fid = 0x4B01;
  for (auto& p : pairs) {
    p.key_ref = ref++;
    p.id = key_id(*p.key);
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
    p.cert_der = vec(cert.BER_encode());
    p.cert_path = kAppDf;
    p.cert_path.push_back(static_cast<std::uint8_t>(cert_fid >> 8));
    p.cert_path.push_back(static_cast<std::uint8_t>(cert_fid));
    p.pub_path = kAppDf;
    p.pub_path.push_back(static_cast<std::uint8_t>(pub_fid >> 8));
    p.pub_path.push_back(static_cast<std::uint8_t>(pub_fid));
    ++cert_fid;
    ++pub_fid;
  }

  File app;
  app.path = kAppDf;
  app.is_df = true;
  app.df_name = kAppName;
  s.files.push_back(app);

  const Bytes pin_auth = {0x01}, puk_auth = {0x02};
  std::vector<uint8_t> aodf_bytes;
  Botan::DER_Encoder aodf(aodf_bytes);
  encode_pin(aodf, "PIN", pin_auth, o.pre2011 ? puk_auth : Bytes{}, 0x81, false, 6, 12);
  if (o.pre2011) encode_pin(aodf, "PUK", puk_auth, {}, 0x82, true, 6, 12);

  const std::string token_label = o.seal ? o.company : o.holder;
  s.files.push_back(ef(kAppDf, 0x5031, build_odf(), Access::Never));
  s.files.push_back(ef(kAppDf, 0x5032, build_token_info(s.serial, token_label), Access::Never));
  s.files.push_back(ef(kAppDf, 0x4401, vec(aodf_bytes), Access::Never));
  s.files.push_back(ef(kAppDf, 0x4402, build_key_df(pairs, true, pin_auth, o.always_authenticate), Access::Pin));
  s.files.push_back(ef(kAppDf, 0x4403, build_key_df(pairs, false, pin_auth, false), Access::Pin));
  s.files.push_back(ef(kAppDf, 0x4404, build_cdf(pairs), Access::Pin));
  for (auto& p : pairs) {
    s.files.push_back(ef(kAppDf, be16(p.cert_path, 4), p.cert_der, Access::Pin));
    s.files.push_back(ef(kAppDf, be16(p.pub_path, 4), vec(p.key->subject_public_key()), Access::Never));
    KeyObject k;
    k.ref = p.key_ref;
    k.df = kAppDf;
    k.type = p.key->algo_name() == "RSA" ? "rsa" : "ec";
    k.pkcs8 = vec(Botan::PKCS8::BER_encode(*p.key));
    k.pin_ref = 0x81;
    k.user_consent = o.always_authenticate && p.non_repudiation;
    k.can_sign = p.sign;
    k.can_decrypt = p.decrypt;
    s.keys.push_back(std::move(k));
  }

  PinObject pin;
  pin.ref = 0x81;
  pin.df = kAppDf;
  pin.value = to_bytes(o.pin);
  if (o.pre2011) {
    pin.puk_ref = 0x82;
    PinObject puk;
    puk.ref = 0x82;
    puk.df = kAppDf;
    puk.value = to_bytes(o.puk);
    s.pins.push_back(pin);
    s.pins.push_back(puk);
  } else {
    pin.unblock_key = 0x01;
    s.pins.push_back(pin);
    Bytes master;
    if (!o.issuer_master_file.empty() && fs::exists(o.issuer_master_file)) {
      master = from_hex(read_text(o.issuer_master_file));
    } else {
      master.resize(32);
      rng.randomize(master.data(), master.size());
      if (!o.issuer_master_file.empty()) write_text(o.issuer_master_file, to_hex(master) + "\n");
    }
    AuthKey ak;
    ak.ref = 0x01;
    ak.secret = diversify_unblock_key(master, s.serial);
    s.auth_keys.push_back(std::move(ak));
  }
  return s;
}

}  // namespace akis::vcard
