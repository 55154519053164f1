// SPDX-License-Identifier: LGPL-2.1-or-later
// Parsers of the PKCS#15 directory files (ISO/IEC 7816-15). Input is untrusted card data.
#include "akis/error.hpp"
#include "akis/profile.hpp"
#include "akis/tlv.hpp"

namespace akis {

namespace {

[[noreturn]] void bad(const std::string& why) { throw CardError(Err::Malformed, "PKCS#15: " + why); }

Tlv need(const Tlv& parent, std::uint32_t tag, const char* what) {
  auto t = parent.find(tag);
  if (!t) bad(std::string("missing ") + what);
  return *t;
}

// BIT STRING -> bit n set (bit 0 is the most significant bit of the first content byte).
std::uint32_t bits(const Tlv& t) {
  if (t.value.empty()) bad("empty BIT STRING");
  std::uint32_t out = 0;
  for (std::size_t n = 0; n < 32 && 1 + n / 8 < t.value.size(); ++n)
    if (t.value[1 + n / 8] & (0x80 >> (n % 8))) out |= 1u << n;
  return out;
}

Bytes path_of(const Tlv& path_seq, bool may_be_empty = false) {
  auto p = path_seq.find(0x04);
  if (!p || p->value.size() % 2 || (p->value.empty() && !may_be_empty)) bad("bad Path");
  return p->bytes();
}

bool is_path(const Tlv& t) {
  if (t.tag != 0x30) return false;
  auto kids = t.children();
  return !kids.empty() && kids[0].tag == 0x04;
}

// Bit length of an unsigned big-endian INTEGER.
std::size_t bit_length(ByteView v) {
  std::size_t i = 0;
  while (i < v.size() && v[i] == 0) ++i;
  if (i == v.size()) return 0;
  std::size_t n = (v.size() - i - 1) * 8;
  for (std::uint8_t b = v[i]; b; b >>= 1) ++n;
  return n;
}

// Explicit ECParameters (X9.62): SEQUENCE { version, fieldID SEQUENCE { fieldType, prime }, curve, base, order, ...}
std::size_t explicit_curve_bits(const Tlv& params) {
  auto kids = params.children();
  if (kids.size() < 2 || kids[0].tag != 0x02 || kids[1].tag != 0x30) bad("EC parameters");
  auto field = kids[1].children();
  if (field.size() < 2 || field[1].tag != 0x02) bad("EC field");
  return bit_length(field[1].value);
}

template <class F>
void each_object(ByteView df, const char* what, std::vector<std::string>* skipped, F&& f) {
  std::size_t n = 0;
  for (auto& e : parse_tlvs(df)) {
    ++n;
    try {
      f(e);
    } catch (const CardError& err) {
      if (err.code() != Err::Malformed) throw;
      if (skipped) skipped->push_back(std::string(what) + " object " + std::to_string(n) + ": " + err.what());
    }
  }
}

struct Common {
  std::string label;
  Bytes auth_id;
  int user_consent = 0;
  std::uint32_t flags = 0;  // CommonObjectFlags: private (bit 0), modifiable (bit 1)
};

Common common_object(const Tlv& t) {
  Common c;
  for (auto& f : t.children()) {
    if (f.tag == 0x0C) c.label = f.as_string();
    else if (f.tag == 0x03 && !f.value.empty()) c.flags = bits(f);
    else if (f.tag == 0x04) c.auth_id = f.bytes();
    else if (f.tag == 0x02) c.user_consent = static_cast<int>(f.as_uint());
  }
  return c;
}

std::size_t curve_bits(ByteView oid) {
  static const Bytes p256 = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
  static const Bytes p384 = {0x2B, 0x81, 0x04, 0x00, 0x22};
  if (std::equal(oid.begin(), oid.end(), p256.begin(), p256.end())) return 256;
  if (std::equal(oid.begin(), oid.end(), p384.begin(), p384.end())) return 384;
  return 0;
}

// privateRSAKey / publicRSAKey (SEQUENCE) and privateECKey / publicECKey ([0]) share one layout:
// CommonObjectAttributes, CommonKeyAttributes, optional [0] class attributes, [1] type attributes.
KeyInfo parse_key(const Tlv& entry) {
  KeyInfo k;
  k.type = entry.tag == 0xA0 ? KeyType::Ec : KeyType::Rsa;
  auto parts = entry.children();
  if (parts.size() < 3 || parts[0].tag != 0x30 || parts[1].tag != 0x30) bad("key entry layout");
  Common c = common_object(parts[0]);
  k.label = c.label;
  k.auth_id = c.auth_id;
  k.user_consent = c.user_consent;
  k.id = need(parts[1], 0x04, "key iD").bytes();
  k.usage = bits(need(parts[1], 0x03, "key usage"));
  if (auto ref = parts[1].find(0x02)) {
    auto v = ref->as_uint();
    if (v > 0xFF) bad("key reference out of range");
    k.key_reference = static_cast<std::uint8_t>(v);
  } else {
    k.has_key_reference = false;  // named by its path only
  }
  const Tlv& typed = parts.back();
  if (typed.tag != 0xA1) bad("key type attributes");
  auto inner = need(typed, 0x30, "key attributes");
  bool have_path = false;
  for (auto& f : inner.children()) {
    if (!have_path && is_path(f)) {
      k.path = path_of(f, true);
      have_path = true;
    } else if (f.tag == 0x02 && k.type == KeyType::Rsa && !k.bits) {
      k.bits = static_cast<std::size_t>(f.as_uint());
      // No card holds a larger RSA key; short signatures are left-padded to this size (a hostile 2^40 would
      // make signing allocate 128 GiB).
      if (k.bits > 16384) bad("modulusLength beyond 16384 bits");
    } else if (f.tag == 0x06 && k.type == KeyType::Ec) {
      k.bits = curve_bits(f.value);
    } else if (f.tag == 0x30 && k.type == KeyType::Ec) {
      k.bits = explicit_curve_bits(f);
    }
  }
  if (!have_path) bad("missing key path");
  if (k.type == KeyType::Rsa && !k.bits) bad("missing modulusLength");
  return k;
}

std::vector<KeyInfo> parse_keys(ByteView df, const char* what, std::vector<std::string>* skipped) {
  std::vector<KeyInfo> out;
  each_object(df, what, skipped, [&](const Tlv& e) {
    if (e.tag != 0x30 && e.tag != 0xA0) {  // other key types
      if (skipped) skipped->push_back(std::string(what) + ": key type with tag " + std::to_string(e.tag) + " not used");
      return;
    }
    out.push_back(parse_key(e));
  });
  return out;
}

}  // namespace

OdfEntries parse_odf(ByteView odf) {
  OdfEntries o;
  for (auto& e : parse_tlvs(odf)) {
    if (!e.constructed) bad("ODF entry is not constructed");
    auto path_seq = e.find(0x30);
    if (!path_seq) continue;  // direct objects are not used by AKİS profiles
    Bytes p = path_of(*path_seq);
    switch (e.tag) {
      case 0xA0: o.prkdf.push_back(p); break;
      case 0xA1: o.pukdf.push_back(p); break;
      case 0xA4: o.cdf.push_back(p); break;
      case 0xA7: o.dodf.push_back(p); break;
      case 0xA8: o.aodf.push_back(p); break;
      default: break;
    }
  }
  return o;
}

TokenInfo parse_token_info(ByteView data) {
  auto tlvs = parse_tlvs(data);
  if (tlvs.empty() || tlvs[0].tag != 0x30) bad("TokenInfo is not a SEQUENCE");
  TokenInfo ti;
  for (auto& f : tlvs[0].children()) {
    if (f.tag == 0x04) {
      bool printable = !f.value.empty();
      for (auto b : f.value)
        if (b < 0x20 || b > 0x7E) printable = false;
      ti.serial = printable ? f.as_string() : to_hex(f.value);
      ti.serial_bytes = f.bytes();
    } else if (f.tag == 0x0C) {
      ti.manufacturer = f.as_string();
    } else if (f.tag == 0x80) {
      ti.label = f.as_string();
    }
  }
  return ti;
}

std::vector<PinInfo> parse_aodf(ByteView data, std::vector<std::string>* skipped) {
  std::vector<PinInfo> out;
  each_object(data, "AODF", skipped, [&](const Tlv& e) {
    if (e.tag != 0x30) return;  // only PIN objects (other authentication types are left out)
    auto parts = e.children();
    if (parts.size() < 3 || parts[0].tag != 0x30 || parts[1].tag != 0x30 || parts[2].tag != 0xA1)
      bad("PIN object layout");
    PinInfo p;
    p.label = common_object(parts[0]).label;
    p.auth_id = need(parts[1], 0x04, "authId").bytes();
    auto attrs = need(parts[2], 0x30, "PinAttributes");
    std::uint32_t flags = bits(need(attrs, 0x03, "pinFlags"));
    p.local = flags & (1u << 1);
    p.needs_padding = flags & (1u << 5);
    p.unblocking = flags & (1u << 6);
    if (auto t = attrs.find(0x0A)) {
      auto v = t->as_uint();
      if (v > 4) bad("unknown pinType");
      p.type = static_cast<PinType>(v);
    }
    std::vector<Tlv> ints;
    for (auto& f : attrs.children())
      if (f.tag == 0x02) ints.push_back(f);
    if (ints.size() < 2) bad("PIN lengths");
    p.min_length = static_cast<std::size_t>(ints[0].as_uint());
    p.stored_length = static_cast<std::size_t>(ints[1].as_uint());
    p.max_length = ints.size() >= 3 ? static_cast<std::size_t>(ints[2].as_uint()) : p.stored_length;
    if (auto ref = attrs.find(0x80)) {  // pinReference [0] DEFAULT 0
      auto v = ref->as_uint();
      if (v > 0xFF) bad("PIN reference out of range");
      p.reference = static_cast<std::uint8_t>(v);
    }
    if (auto pad = attrs.find(0x04)) {
      if (pad->value.size() != 1) bad("padChar size");
      p.pad_char = pad->value[0];
    }
    if (p.max_length == 0 || p.max_length < p.min_length || p.max_length > 64 || p.stored_length > 64)
      bad("PIN length range");
    out.push_back(std::move(p));
  });
  return out;
}

std::vector<KeyInfo> parse_prkdf(ByteView data, std::vector<std::string>* skipped) {
  return parse_keys(data, "PrKDF", skipped);
}
std::vector<KeyInfo> parse_pukdf(ByteView data, std::vector<std::string>* skipped) {
  return parse_keys(data, "PuKDF", skipped);
}

namespace {
// A certificate given in the CDF itself: [0] around the DER (explicit), or [0] replacing its SEQUENCE tag
// (implicit), or the bare SEQUENCE.
Bytes direct_certificate(const Tlv& t) {
  if (t.tag == 0x30) return Bytes(t.whole.begin(), t.whole.end());
  auto kids = t.children();
  if (kids.size() == 1 && kids[0].tag == 0x30 && kids[0].whole.size() == t.value.size())
    return Bytes(kids[0].whole.begin(), kids[0].whole.end());
  return encode_tlv(0x30, t.value);
}
}  // namespace

std::vector<CertInfo> parse_cdf(ByteView data, std::vector<std::string>* skipped) {
  std::vector<CertInfo> out;
  each_object(data, "CDF", skipped, [&](const Tlv& e) {
    if (e.tag != 0x30) return;  // only X.509 certificates
    auto parts = e.children();
    if (parts.size() < 3 || parts[0].tag != 0x30 || parts[1].tag != 0x30 || parts.back().tag != 0xA1)
      bad("certificate entry layout");
    CertInfo c;
    c.label = common_object(parts[0]).label;
    c.id = need(parts[1], 0x04, "certificate iD").bytes();
    if (auto a = parts[1].find(0x01)) c.authority = a->as_bool();
    auto attrs = need(parts.back(), 0x30, "certificate attributes").children();
    if (attrs.empty()) bad("certificate value");
    if (is_path(attrs[0])) {
      c.path = path_of(attrs[0]);
    } else if (attrs[0].tag == 0x30 || attrs[0].tag == 0xA0) {
      c.value = direct_certificate(attrs[0]);
    } else {
      bad("certificate value");
    }
    out.push_back(std::move(c));
  });
  return out;
}

Bytes encode_cdf_entry(const CertInfo& c) {
  Bytes common = encode_tlv(0x30, encode_tlv(0x0C, to_bytes(c.label)));
  Bytes cert_attrs = encode_tlv(0x04, c.id);
  if (c.authority) append(cert_attrs, Bytes{0x01, 0x01, 0xFF});
  Bytes typed = encode_tlv(0xA1, encode_tlv(0x30, encode_tlv(0x30, encode_tlv(0x04, c.path))));
  Bytes body = common;
  append(body, encode_tlv(0x30, cert_attrs));
  append(body, typed);
  return encode_tlv(0x30, body);
}

std::vector<DataObjectInfo> parse_dodf(ByteView data, std::vector<std::string>* skipped) {
  std::vector<DataObjectInfo> out;
  each_object(data, "DODF", skipped, [&](const Tlv& e) {
    if (e.tag != 0x30) {  // externalIDO [0], oidDO [1]: not offered
      if (skipped) skipped->push_back("DODF: data object with tag " + std::to_string(e.tag) + " not used");
      return;
    }
    auto parts = e.children();
    if (parts.size() < 3 || parts[0].tag != 0x30 || parts[1].tag != 0x30 || parts.back().tag != 0xA1)
      bad("data object entry layout");
    DataObjectInfo d;
    Common c = common_object(parts[0]);
    d.label = c.label;
    d.auth_id = c.auth_id;
    d.is_private = c.flags & 1u;
    d.modifiable = c.flags & 2u;
    for (auto& f : parts[1].children()) {
      if (f.tag == 0x0C) d.application = f.as_string();
      else if (f.tag == 0x06) d.oid = Bytes(f.whole.begin(), f.whole.end());
    }
    auto value = parts.back().children();
    if (value.empty() || !is_path(value[0])) bad("data object value is not in a file (direct values are not used)");
    d.path = path_of(value[0]);
    out.push_back(std::move(d));
  });
  return out;
}

namespace {
// A BIT STRING of named bits (DER: trailing zero bits left out).
Bytes named_bits(std::uint32_t set) {
  if (!set) return encode_tlv(0x03, Bytes{0x00});
  int top = 31;
  while (!(set & (1u << top))) --top;
  Bytes v(1 + static_cast<std::size_t>(top / 8 + 1), 0x00);
  v[0] = static_cast<std::uint8_t>(7 - top % 8);
  for (int n = 0; n <= top; ++n)
    if (set & (1u << n)) v[1 + static_cast<std::size_t>(n / 8)] |= static_cast<std::uint8_t>(0x80 >> (n % 8));
  return encode_tlv(0x03, v);
}
}  // namespace

Bytes encode_dodf_entry(const DataObjectInfo& d) {
  Bytes common;
  if (!d.label.empty()) append(common, encode_tlv(0x0C, to_bytes(d.label)));
  append(common, named_bits((d.is_private ? 1u : 0u) | (d.modifiable ? 2u : 0u)));
  if (!d.auth_id.empty()) append(common, encode_tlv(0x04, d.auth_id));
  Bytes data_attrs;
  if (!d.application.empty()) append(data_attrs, encode_tlv(0x0C, to_bytes(d.application)));
  append(data_attrs, d.oid);  // already DER
  Bytes body = encode_tlv(0x30, common);
  append(body, encode_tlv(0x30, data_attrs));
  append(body, encode_tlv(0xA1, encode_tlv(0x30, encode_tlv(0x04, d.path))));
  return encode_tlv(0x30, body);
}

std::size_t used_length(ByteView file) {
  std::size_t used = 0;
  for (auto& t : parse_tlvs(file)) used = static_cast<std::size_t>(t.whole.data() - file.data()) + t.whole.size();
  return used;
}

}  // namespace akis
