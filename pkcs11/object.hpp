// SPDX-License-Identifier: LGPL-2.1-or-later
// PKCS#11 objects: an attribute map plus the card key they stand for.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "akis/profile.hpp"
#include "p11.hpp"

namespace akis::p11 {

struct Object {
  CK_OBJECT_HANDLE handle = 0;
  CK_OBJECT_CLASS cls = 0;
  std::map<CK_ATTRIBUTE_TYPE, Bytes> attrs;
  std::set<CK_ATTRIBUTE_TYPE> sensitive;  // exist, but their value never leaves the card
  bool is_private = false;                // CKA_PRIVATE: visible only after login
  std::optional<KeyInfo> key;             // private keys: the card key
  Bytes spki;                             // public and private keys: SubjectPublicKeyInfo DER
  std::optional<DataObjectInfo> card_data;  // data objects on the card: their DODF description

  void set(CK_ATTRIBUTE_TYPE t, ByteView v) { attrs[t] = Bytes(v.begin(), v.end()); }
  void set_bool(CK_ATTRIBUTE_TYPE t, bool v) { attrs[t] = Bytes{static_cast<std::uint8_t>(v ? CK_TRUE : CK_FALSE)}; }
  void set_ulong(CK_ATTRIBUTE_TYPE t, CK_ULONG v);
  void set_string(CK_ATTRIBUTE_TYPE t, const std::string& s) { attrs[t] = Bytes(s.begin(), s.end()); }
  bool get_bool(CK_ATTRIBUTE_TYPE t) const;
  std::optional<CK_ULONG> get_ulong(CK_ATTRIBUTE_TYPE t) const;
  const Bytes* get(CK_ATTRIBUTE_TYPE t) const;

  // Every attribute of the template is present with the same value (sensitive ones never match).
  bool matches(const CK_ATTRIBUTE* tmpl, CK_ULONG count) const;
  // One attribute as C_GetAttributeValue reports it: its value, or why it has none (CKR_ATTRIBUTE_SENSITIVE,
  // CKR_ATTRIBUTE_TYPE_INVALID). The C layer hands it over (entry.cpp); the core never sees caller buffers.
  struct Value {
    CK_RV status = CKR_OK;
    Bytes bytes;
  };
  Value value_of(CK_ATTRIBUTE_TYPE t) const;
};

// Builds the objects of one card: a certificate, a public key and a private key per key pair,
// sharing one CKA_ID. `certificate`/`public_key` fetch DER from the card (cached by the caller).
struct CardContent {
  const CardProfile* profile = nullptr;
  std::vector<std::pair<const CertInfo*, Bytes>> certificates;  // DER
  std::vector<std::pair<const KeyInfo*, Bytes>> public_keys;    // SPKI DER
};
std::vector<Object> build_objects(const CardContent& content);
// The certificate object for one certificate on the card. Throws CardError(Malformed) for bad DER.
Object certificate_object(const CertInfo& info, ByteView der);
// Facts a new certificate needs before it goes to the card.
struct CertificateFacts {
  std::string common_name;
  bool is_ca = false;
  Bytes spki;  // SubjectPublicKeyInfo DER
};
std::optional<CertificateFacts> inspect_certificate(ByteView der);  // nullopt: not X.509

// A data object on the card (CKA_TOKEN true, not private: private ones are not offered).
Object data_object(const DataObjectInfo& info, ByteView value);

// Subject text helpers for the token label (CN, or O for company seals).
std::string token_label_from_certificate(ByteView cert_der);

}  // namespace akis::p11
