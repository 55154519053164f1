// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pkcs15_layout.hpp"

#include <botan/asn1_obj.h>
#include <botan/bigint.h>
#include <botan/data_src.h>
#include <botan/der_enc.h>
#include <botan/ecdsa.h>
#include <botan/hex.h>
#include <botan/pkcs8.h>

#include <algorithm>
#include <memory>

#include "quirks.hpp"

namespace akis::vcard {

const Bytes kMfPath = {0x3F, 0x00};
const Bytes kAppPath = {0x3F, 0x00, 0x50, 0x15};
const Bytes kPkcs15Name = {'P', 'K', 'C', 'S', '-', '1', '5'};
const Bytes kPkcs15Aid = {0xA0, 0x00, 0x00, 0x00, 0x63, 'P', 'K', 'C', 'S', '-', '1', '5'};
const Bytes kIssuerAid = {0xD7, 0x92, 0x00, 0x00, 0x01, 'A', 'K', 'I', 'S', '-', 'E', 'S'};

std::uint8_t user_pin_ref(const std::vector<std::string>& quirks) {
  return has_quirk(quirks, "no-pin-reference") ? 0x00 : 0x81;
}
Bytes key_file_path(std::uint8_t key_ref) {
  Bytes p = kAppPath;
  p.push_back(0x00);
  p.push_back(key_ref);
  return p;
}
std::size_t pin_stored_length(const std::vector<std::string>& quirks) {
  return has_quirk(quirks, "pin-padded") ? 12 : 0;
}

namespace {

const Bytes kIssuerCertPath = {0x3F, 0x00, 0x50, 0x15, 0x2F, 0x20};

Bytes vec(const std::vector<uint8_t>& v) { return Bytes(v.begin(), v.end()); }

// BIT STRING content with bit n (0 = most significant bit of the first byte) set for each n.
std::vector<uint8_t> bits(std::initializer_list<int> set) {
  int top = 0;
  for (int b : set) top = std::max(top, b);
  std::vector<uint8_t> out(static_cast<std::size_t>(top / 8 + 1), 0);
  for (int b : set) out[static_cast<std::size_t>(b / 8)] |= static_cast<uint8_t>(0x80 >> (b % 8));
  return out;
}

Botan::ASN1_String utf8(const std::string& s) { return Botan::ASN1_String(s, Botan::UTF8_STRING); }

Bytes with_fid(const Bytes& dir, std::uint16_t fid) {
  Bytes p = dir;
  p.push_back(static_cast<std::uint8_t>(fid >> 8));
  p.push_back(static_cast<std::uint8_t>(fid));
  return p;
}

File ef(const Bytes& path, Bytes data, Access write) {
  File f;
  f.path = path;
  f.data = std::move(data);
  f.read = Access::Always;
  f.write = write;
  f.pin_ref = 0x81;
  return f;
}

class Builder {
 public:
  Builder(const DirectoryOptions& o, const std::vector<DirectoryKey>& keys) : o_(o), keys_(keys) {
    for (auto& k : keys) {
      Botan::DataSource_Memory src(k.pkcs8.data(), k.pkcs8.size());
      loaded_.push_back(Botan::PKCS8::load_key(src));
      if (q("ec-explicit-params"))
        if (auto* ec = dynamic_cast<Botan::EC_PrivateKey*>(loaded_.back().get()))
          ec->set_parameter_encoding(Botan::EC_DOMPAR_ENC_EXPLICIT);
    }
  }

  std::vector<File> files() {
    std::vector<File> out;
    File app;
    app.path = kAppPath;
    app.is_df = true;
    if (q("app-by-aid-only")) app.df_name = kPkcs15Aid;
    else if (q("app-by-efdir")) app.df_name = kIssuerAid;
    else if (!q("app-by-path-only") && o_.family != "1.0") app.df_name = kPkcs15Name;  // 1.0: by path (OpenSC)
    out.push_back(app);
    if (q("app-by-efdir")) out.push_back(ef(with_fid(kMfPath, 0x2F00), ef_dir(), Access::Never));
    const std::uint8_t pin_ref = user_pin_ref(o_.quirks);
    out.push_back(ef(with_fid(kAppPath, 0x5031), directory_file(odf()), Access::Never));
    out.push_back(ef(with_fid(kAppPath, 0x5032), directory_file(token_info()), Access::Never));
    out.push_back(ef(with_fid(kAppPath, 0x4401), directory_file(aodf()), Access::Never));
    out.push_back(ef(with_fid(kAppPath, 0x4402), directory_file(key_df(true)), Access::Pin));
    if (!q("no-pukdf")) out.push_back(ef(with_fid(kAppPath, 0x4403), directory_file(key_df(false)), Access::Pin));
    out.push_back(ef(with_fid(kAppPath, 0x4404), directory_file(cdf()), Access::Pin));
    if (!q("no-dodf")) out.push_back(ef(with_fid(kAppPath, 0x4405), directory_file({}), Access::Pin));  // DODF, empty
    if (q("issuer-cert")) out.push_back(ef(kIssuerCertPath, o_.issuer_cert_der, Access::Never));
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      if (!q("cert-direct-value")) out.push_back(ef(cert_path(i), cert_file(keys_[i].cert_der), Access::Pin));
      out.push_back(ef(pub_path(i), vec(loaded_[i]->subject_public_key()), Access::Never));
      File key = ef(key_file_path(keys_[i].ref), {}, Access::Never);
      key.read = Access::Never;
      key.internal = true;
      out.push_back(key);
    }
    for (auto& f : out) f.pin_ref = pin_ref;
    // Where the card has short EF identifiers (quirks.cpp): the application's directory EFs (50xx, 44xx) get their
    // FID's bits 5-1 (unique among them); certificates, keys and files made later get none.
    if (o_.family == "2x" && !q("no-sfi"))
      for (auto& f : out)
        if (!f.is_df && f.path.size() == kAppPath.size() + 2 &&
            std::equal(kAppPath.begin(), kAppPath.end(), f.path.begin()) &&
            (f.path[kAppPath.size()] == 0x50 || f.path[kAppPath.size()] == 0x44))
          f.sfi = f.path.back() & 0x1F;
    return out;
  }

 private:
  bool q(const char* name) const { return has_quirk(o_.quirks, name); }
  Bytes cert_path(std::size_t i) const { return with_fid(kAppPath, static_cast<std::uint16_t>(0x2F10 + i)); }
  Bytes pub_path(std::size_t i) const { return with_fid(kAppPath, static_cast<std::uint16_t>(0x4B01 + i)); }

  // A path as the directory writes it: from the MF, or relative to the application DF.
  void path(Botan::DER_Encoder& der, Bytes p) const {
    if (q("odf-relative-paths") && p.size() > kAppPath.size() &&
        std::equal(kAppPath.begin(), kAppPath.end(), p.begin()))
      p.erase(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(kAppPath.size()));
    der.start_cons(Botan::SEQUENCE).encode(p.data(), p.size(), Botan::OCTET_STRING).end_cons();
  }

  Bytes directory_file(Bytes content) const {  // fixed-size EFs: the unused rest is 00
    if (q("directory-padded")) content.resize((content.size() / 256 + 1) * 256, 0x00);
    return content;
  }

  Bytes cert_file(const Bytes& der) const {
    if (!q("cert-padded")) return der;
    Bytes padded = der;
    padded.resize(std::max<std::size_t>(2048, (der.size() + 256 + 255) / 256 * 256), 0x00);
    return padded;
  }

  Bytes ef_dir() const {  // ISO 7816-4 application template: 4F AID, 50 label, 51 path
    std::vector<uint8_t> out;
    Botan::DER_Encoder der(out);
    std::string label = "AKIS e-imza";
    der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::APPLICATION)
        .add_object(static_cast<Botan::ASN1_Tag>(15), Botan::APPLICATION, kIssuerAid.data(), kIssuerAid.size())
        .add_object(static_cast<Botan::ASN1_Tag>(16), Botan::APPLICATION, label)
        .add_object(static_cast<Botan::ASN1_Tag>(17), Botan::APPLICATION, kAppPath.data(), kAppPath.size())
        .end_cons();
    return vec(out);
  }

  Bytes odf() const {
    std::vector<uint8_t> out;
    Botan::DER_Encoder der(out);
    auto entry = [&](int tag, std::uint16_t fid) {
      der.start_cons(static_cast<Botan::ASN1_Tag>(tag), Botan::CONTEXT_SPECIFIC);
      path(der, with_fid(kAppPath, fid));
      der.end_cons();
    };
    entry(0, 0x4402);  // PrKDF
    if (!q("no-pukdf")) entry(1, 0x4403);  // PuKDF
    entry(4, 0x4404);  // CDF
    if (!q("no-dodf")) entry(7, 0x4405);  // DODF (data objects)
    entry(8, 0x4401);  // AODF
    return vec(out);
  }

  Bytes token_info() const {
    std::vector<uint8_t> out;
    Botan::DER_Encoder der(out);
    std::string serial_text = Botan::hex_encode(o_.serial.data(), o_.serial.size());
    der.start_cons(Botan::SEQUENCE)
        .encode(static_cast<size_t>(0))
        .encode(reinterpret_cast<const uint8_t*>(serial_text.data()), serial_text.size(), Botan::OCTET_STRING)
        .encode(utf8("TÜBİTAK BİLGEM (virtual)"))
        .add_object(static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC, o_.token_label)
        .encode(bits({1}), Botan::BIT_STRING)  // tokenflags: loginRequired
        .end_cons();
    return vec(out);
  }

  void pin(Botan::DER_Encoder& der, const std::string& label, const Bytes& auth_id, const Bytes& unblocker,
           std::uint8_t ref, bool unblocking) const {
    const bool padded = q("pin-padded");
    der.start_cons(Botan::SEQUENCE);
    der.start_cons(Botan::SEQUENCE).encode(utf8(label)).encode(bits({0}), Botan::BIT_STRING);  // private
    if (!unblocker.empty()) der.encode(unblocker.data(), unblocker.size(), Botan::OCTET_STRING);
    der.end_cons();
    der.start_cons(Botan::SEQUENCE).encode(auth_id.data(), auth_id.size(), Botan::OCTET_STRING).end_cons();
    der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC);
    der.start_cons(Botan::SEQUENCE);
    // local(1), initialized(4), needs-padding(5), unblockingPin(6)
    std::vector<int> flags = {1, 4};
    if (padded) flags.push_back(5);
    if (unblocking) flags.push_back(6);
    std::vector<uint8_t> fb(1, 0);
    for (int b : flags) fb[0] |= static_cast<uint8_t>(0x80 >> b);
    der.encode(fb, Botan::BIT_STRING);
    der.add_object(Botan::ENUMERATED, Botan::UNIVERSAL, static_cast<uint8_t>(1));  // ascii-numeric
    const size_t min_len = q("pin-min-0") ? 0 : 6, max_len = 12;
    der.encode(min_len).encode(max_len).encode(max_len);  // min, stored, max
    if (!(ref == user_pin_ref(o_.quirks) && q("no-pin-reference")))
      der.encode(Botan::BigInt(ref), static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC);
    if (padded) {
      const uint8_t pad = 0xFF;
      der.encode(&pad, 1, Botan::OCTET_STRING);
    }
    der.end_cons().end_cons().end_cons();
  }

  Bytes aodf() const {
    std::vector<uint8_t> out;
    Botan::DER_Encoder der(out);
    const Bytes pin_auth = {0x01}, puk_auth = {0x02};
    pin(der, "PIN", pin_auth, o_.pre2011 ? puk_auth : Bytes{}, user_pin_ref(o_.quirks), false);
    if (o_.pre2011) pin(der, "PUK", puk_auth, {}, kPukRef, true);
    return vec(out);
  }

  void key_info(Botan::DER_Encoder& der, const Botan::Private_Key& key) const {
    if (key.algo_name() != "ECDSA") {
      der.encode(static_cast<size_t>(key.key_length()));
      return;
    }
    auto& ec = dynamic_cast<const Botan::EC_PrivateKey&>(key);
    if (q("ec-explicit-params")) der.raw_bytes(ec.domain().DER_encode(Botan::EC_DOMPAR_ENC_EXPLICIT));
    else der.encode(ec.domain().get_curve_oid());
  }

  Bytes key_df(bool is_private) const {
    std::vector<uint8_t> out;
    Botan::DER_Encoder der(out);
    const Bytes pin_auth = {0x01};
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      auto& k = keys_[i];
      auto& key = *loaded_[i];
      bool ec = key.algo_name() == "ECDSA";
      if (ec) der.start_cons(static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC);
      else der.start_cons(Botan::SEQUENCE);
      der.start_cons(Botan::SEQUENCE).encode(utf8(k.label));  // CommonObjectAttributes
      if (is_private) {
        der.encode(bits({0}), Botan::BIT_STRING).encode(pin_auth.data(), pin_auth.size(), Botan::OCTET_STRING);
        if (o_.always_authenticate && k.non_repudiation) der.encode(static_cast<size_t>(1));  // userConsent
      }
      der.end_cons();
      std::vector<int> usage;  // CommonKeyAttributes: iD, usage, native, accessFlags, keyReference
      if (is_private) {
        if (k.sign) usage.push_back(2);
        if (k.decrypt) usage.push_back(1), usage.push_back(5);
        if (k.non_repudiation) usage.push_back(9);
      } else {
        if (k.sign) usage.push_back(6);
        if (k.decrypt) usage.push_back(0), usage.push_back(4);
      }
      std::vector<uint8_t> ub(2, 0);
      for (int b : usage) ub[static_cast<std::size_t>(b / 8)] |= static_cast<uint8_t>(0x80 >> (b % 8));
      der.start_cons(Botan::SEQUENCE).encode(k.id.data(), k.id.size(), Botan::OCTET_STRING).encode(ub, Botan::BIT_STRING);
      if (is_private) {
        der.encode(true);
        der.encode(bits({0, 2}), Botan::BIT_STRING);  // sensitive, alwaysSensitive
        if (!q("no-key-reference")) der.encode(static_cast<size_t>(k.ref));
      }
      der.end_cons();
      der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC).start_cons(Botan::SEQUENCE);
      if (is_private) path(der, key_file_path(k.ref));
      else if (q("empty-path")) der.start_cons(Botan::SEQUENCE).encode(nullptr, 0, Botan::OCTET_STRING).end_cons();
      else path(der, pub_path(i));
      key_info(der, key);
      der.end_cons().end_cons();
      der.end_cons();
    }
    return vec(out);
  }

  Bytes cdf() const {
    std::vector<uint8_t> out;
    Botan::DER_Encoder der(out);
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      auto& k = keys_[i];
      der.start_cons(Botan::SEQUENCE);
      der.start_cons(Botan::SEQUENCE).encode(utf8(k.label)).end_cons();
      der.start_cons(Botan::SEQUENCE).encode(k.id.data(), k.id.size(), Botan::OCTET_STRING).end_cons();
      der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC).start_cons(Botan::SEQUENCE);
      if (q("cert-direct-value"))  // ObjectValue direct [0]: the certificate itself (as OpenSC reads it)
        der.start_cons(static_cast<Botan::ASN1_Tag>(0), Botan::CONTEXT_SPECIFIC).raw_bytes(k.cert_der).end_cons();
      else
        path(der, cert_path(i));
      der.end_cons().end_cons();
      der.end_cons();
    }
    if (q("issuer-cert")) {  // the issuer's certificate: authority, no key of this card
      const Bytes id = {0xCA, 0x01};
      der.start_cons(Botan::SEQUENCE);
      der.start_cons(Botan::SEQUENCE).encode(utf8("AKİS Sanal Test Kök SM")).end_cons();
      der.start_cons(Botan::SEQUENCE).encode(id.data(), id.size(), Botan::OCTET_STRING).encode(true).end_cons();
      der.start_cons(static_cast<Botan::ASN1_Tag>(1), Botan::CONTEXT_SPECIFIC).start_cons(Botan::SEQUENCE);
      path(der, kIssuerCertPath);
      der.end_cons().end_cons();
      der.end_cons();
    }
    return vec(out);
  }

  const DirectoryOptions& o_;
  const std::vector<DirectoryKey>& keys_;
  std::vector<std::unique_ptr<Botan::Private_Key>> loaded_;
};

}  // namespace

std::vector<File> build_application(const DirectoryOptions& o, const std::vector<DirectoryKey>& keys) {
  return Builder(o, keys).files();
}

}  // namespace akis::vcard
