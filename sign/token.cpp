// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#11 side of signing: the module loaded with dlopen, one session, certificates and keys found by
// CKA_ID, and an OpenSSL key whose private operations call C_Sign (key_methods.cpp).
#include "akis/sign/token.hpp"

#include <dlfcn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "p11_session.hpp"

#ifndef AKIS_DEFAULT_MODULE
#define AKIS_DEFAULT_MODULE "/usr/lib/x86_64-linux-gnu/pkcs11/akis-pkcs11.so"
#endif

namespace akis::sign {

std::string default_module_path() {
  const char* env = std::getenv("AKIS_PKCS11_MODULE");
  return env && *env ? env : AKIS_DEFAULT_MODULE;
}

TokenError p11_error(CK_RV rv, const std::string& what) {
  char buf[40];
  std::snprintf(buf, sizeof buf, " (CKR 0x%lX)", static_cast<unsigned long>(rv));
  TokenErr c = TokenErr::Failed;
  switch (rv) {
    case CKR_PIN_INCORRECT: c = TokenErr::WrongPin; break;
    case CKR_PIN_LOCKED: c = TokenErr::PinLocked; break;
    case CKR_PIN_LEN_RANGE: c = TokenErr::PinPolicy; break;
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED: c = TokenErr::Removed; break;
    default: break;
  }
  return TokenError(c, rv, what + buf);
}

namespace {

std::string trimmed(const CK_UTF8CHAR* p, std::size_t n) {
  std::string s(reinterpret_cast<const char*>(p), n);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

class TokenImpl final : public Token, public P11Session {
 public:
  TokenImpl(const std::string& path, const std::string& reader) {
    lib_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib_) throw TokenError(TokenErr::NoModule, 0, path + ": " + ::dlerror());
    auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(lib_, "C_GetFunctionList"));
    if (!get) throw TokenError(TokenErr::NoModule, 0, path + ": no C_GetFunctionList");
    check(get(&f), "C_GetFunctionList");
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = f->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) throw p11_error(rv, "C_Initialize");
    initialised_ = rv == CKR_OK;
    CK_ULONG n = 0;
    check(f->C_GetSlotList(CK_TRUE, nullptr, &n), "C_GetSlotList");
    std::vector<CK_SLOT_ID> slots(n);
    check(f->C_GetSlotList(CK_TRUE, slots.data(), &n), "C_GetSlotList");
    slots.resize(n);
    for (CK_SLOT_ID s : slots) {
      CK_SLOT_INFO si{};
      if (f->C_GetSlotInfo(s, &si) != CKR_OK) continue;
      if (!reader.empty() && trimmed(si.slotDescription, sizeof si.slotDescription).find(reader) == std::string::npos)
        continue;
      CK_TOKEN_INFO ti{};
      if (f->C_GetTokenInfo(s, &ti) != CKR_OK) continue;
      label_ = trimmed(ti.label, sizeof ti.label);
      check(f->C_OpenSession(s, CKF_SERIAL_SESSION, nullptr, nullptr, &session), "C_OpenSession");
      return;
    }
    throw TokenError(TokenErr::NoToken, 0, reader.empty() ? "no token" : "no token in reader " + reader);
  }
  ~TokenImpl() override {
    keys_.clear();  // EVP_PKEYs before the session they sign with
    if (f && session) f->C_CloseSession(session);
    if (f && initialised_) f->C_Finalize(nullptr);
    if (lib_) ::dlclose(lib_);
  }

  std::vector<TokenCert> certificates() override {
    std::vector<TokenCert> out;
    for (CK_OBJECT_HANDLE h : find(CKO_CERTIFICATE)) {
      TokenCert c;
      c.id = attribute(h, CKA_ID);
      Bytes label = attribute(h, CKA_LABEL);
      c.label.assign(label.begin(), label.end());
      c.der = attribute(h, CKA_VALUE);
      const unsigned char* p = c.der.data();
      X509* x = d2i_X509(nullptr, &p, static_cast<long>(c.der.size()));
      if (x) {
        c.non_repudiation = (X509_get_extension_flags(x) & EXFLAG_KUSAGE) && (X509_get_key_usage(x) & KU_NON_REPUDIATION);
        X509_free(x);
      }
      c.has_key = !find(CKO_PRIVATE_KEY, &c.id).empty();
      out.push_back(std::move(c));
    }
    return out;
  }

  TokenCert choose(const std::string& selector) override {
    auto certs = certificates();
    for (auto& c : certs) {
      if (selector.empty()) continue;
      if (c.label == selector || lower(to_hex(c.id)) == lower(selector)) return require_key(c);
    }
    if (!selector.empty()) throw TokenError(TokenErr::NoCert, 0, "no certificate " + selector);
    for (auto& c : certs)
      if (c.non_repudiation && c.has_key) return c;
    for (auto& c : certs)
      if (c.has_key) return c;
    throw TokenError(TokenErr::NoCert, 0, "no certificate with a private key");
  }

  std::string token_label() override { return label_; }

  void login(const Secret& pin) override {
    CK_RV rv = f->C_Login(session, CKU_USER, const_cast<CK_UTF8CHAR*>(pin.bytes().data()), pin.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) throw p11_error(rv, "C_Login");
  }

  EVP_PKEY* private_key(const TokenCert& cert) override {
    auto handles = find(CKO_PRIVATE_KEY, &cert.id);
    if (handles.empty()) throw TokenError(TokenErr::NoCert, 0, "no private key for certificate " + cert.label);
    auto key = make_card_key(*this, handles.front(), cert.der);
    EVP_PKEY* raw = key.get();
    keys_.push_back(std::move(key));
    return raw;
  }

 private:
  static std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
  }
  static TokenCert require_key(const TokenCert& c) {
    if (!c.has_key) throw TokenError(TokenErr::NoCert, 0, "certificate " + c.label + " has no private key");
    return c;
  }
  void* lib_ = nullptr;
  bool initialised_ = false;
  std::string label_;
  std::vector<PkeyPtr> keys_;
};

}  // namespace

void P11Session::check(CK_RV rv, const char* what) {
  if (rv != CKR_OK) throw p11_error(rv, what);
}

std::vector<CK_OBJECT_HANDLE> P11Session::find(CK_OBJECT_CLASS cls, const Bytes* id) {
  std::vector<CK_ATTRIBUTE> t{{CKA_CLASS, &cls, sizeof cls}};
  if (id) t.push_back({CKA_ID, const_cast<unsigned char*>(id->data()), id->size()});
  check(f->C_FindObjectsInit(session, t.data(), t.size()), "C_FindObjectsInit");
  std::vector<CK_OBJECT_HANDLE> out;
  CK_OBJECT_HANDLE h[16];
  CK_ULONG n = 0;
  do {
    CK_RV rv = f->C_FindObjects(session, h, 16, &n);
    if (rv != CKR_OK) {
      f->C_FindObjectsFinal(session);
      throw p11_error(rv, "C_FindObjects");
    }
    out.insert(out.end(), h, h + n);
  } while (n == 16);
  f->C_FindObjectsFinal(session);
  return out;
}

Bytes P11Session::attribute(CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (f->C_GetAttributeValue(session, h, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
  Bytes v(a.ulValueLen);
  a.pValue = v.data();
  check(f->C_GetAttributeValue(session, h, &a, 1), "C_GetAttributeValue");
  v.resize(a.ulValueLen);
  return v;
}

Bytes P11Session::sign(CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech, ByteView data) {
  CK_MECHANISM m{mech, nullptr, 0};
  check(f->C_SignInit(session, &m, key), "C_SignInit");
  Bytes sig(1024);
  CK_ULONG n = sig.size();
  check(f->C_Sign(session, const_cast<unsigned char*>(data.data()), data.size(), sig.data(), &n), "C_Sign");
  sig.resize(n);
  return sig;
}

std::unique_ptr<Token> Token::open(const std::string& module_path, const std::string& reader) {
  return std::make_unique<TokenImpl>(module_path, reader);
}

}  // namespace akis::sign
