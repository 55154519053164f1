// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for tests that drive the built PKCS#11 module against personalised virtual cards.
#pragma once

#include <string>
#include <vector>

#include "akis/bytes.hpp"
#include "p11.hpp"
#include "personalise.hpp"

namespace akis::test {

// The module loaded with dlopen, as applications load it.
struct LoadedP11 {
  explicit LoadedP11(const char* path);
  ~LoadedP11();
  LoadedP11(const LoadedP11&) = delete;
  LoadedP11& operator=(const LoadedP11&) = delete;
  void* handle = nullptr;
  CK_FUNCTION_LIST* f = nullptr;
};

// Thin calls through a function list.
struct P11Flow {
  explicit P11Flow(CK_FUNCTION_LIST& fl) : f(fl) {}
  bool slot_with_token(CK_SLOT_ID& slot);
  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls);
  Bytes attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
  CK_RV login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const std::string& pin);
  CK_RV set_pin(CK_SESSION_HANDLE h, const std::string& old_pin, const std::string& new_pin);
  CK_RV init_pin(CK_SESSION_HANDLE h, const std::string& pin);
  CK_RV sign(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech, const Bytes& data, Bytes& sig);
  // CKM_RSA_PKCS, or CKM_RSA_PKCS_OAEP with SHA-1 and MGF1-SHA1 when `oaep`.
  CK_RV decrypt(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, bool oaep, const Bytes& in, Bytes& out);
  CK_FUNCTION_LIST& f;
};

// The user PIN's and the PUK's tries left, read from the card's own state file.
struct Tries {
  int pin = -1, puk = -1;
  bool operator==(const Tries& o) const { return pin == o.pin && puk == o.puk; }
};
std::ostream& operator<<(std::ostream& os, const Tries& t);
Tries read_tries(const std::string& state_path);

struct MaterialKey {
  Bytes pkcs8, cert_der;
  bool rsa = true;
};
// The key of `m` with this CKA_ID (empty cert_der when none).
MaterialKey find_material(const vcard::CardMaterial& m, ByteView id);
// A message whose PKCS#1 v1.5 SHA-256 signature with this RSA key starts with a 00 byte (found with OpenSSL,
// cached per key): the card's answer to it is one byte shorter on a card that strips leading zeros.
Bytes message_with_leading_zero_signature(const Bytes& pkcs8);

}  // namespace akis::test
