// SPDX-License-Identifier: LGPL-2.1-or-later
#include "token.hpp"

#include <dlfcn.h>
#include <openssl/crypto.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "crypto.hpp"

namespace akis::unlockd {

namespace {

std::runtime_error token_error(const std::string& what, CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, " (CKR 0x%lX)", static_cast<unsigned long>(rv));
  return std::runtime_error("issuer token: " + what + buf);
}

void ok(CK_RV rv, const char* what) {
  if (rv != CKR_OK) throw token_error(what, rv);
}

// Reads a secret file that only its owner may read; the content never appears in an error.
std::string read_private_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("cannot read " + path);
  if (st.st_mode & 077) throw std::runtime_error(path + " is readable by other users; chmod 600 it");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string token_pin(const TokenConfig& c) {
  std::string pin;
  if (!c.pin_file.empty()) {
    pin = read_private_file(c.pin_file);
  } else if (const char* p = std::getenv("AKIS_UNLOCKD_TOKEN_PIN")) {
    pin = p;
  } else {
    throw std::runtime_error("issuer token: no PIN (give --token-pin-file or set AKIS_UNLOCKD_TOKEN_PIN)");
  }
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

}  // namespace

Bytes diversification_data(ByteView serial) {
  Bytes msg = to_bytes("AKIS-UNLOCK-V1");
  append(msg, serial);
  return sha256(msg);
}

struct IssuerToken::Impl {
  void* lib = nullptr;
  CK_FUNCTION_LIST* f = nullptr;
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;

  std::vector<CK_OBJECT_HANDLE> masters() {
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    std::string label = kMasterKeyLabel;
    CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label.data(), label.size()}};
    ok(f->C_FindObjectsInit(session, t, 2), "C_FindObjectsInit");
    CK_OBJECT_HANDLE h[4];
    CK_ULONG n = 0;
    CK_RV rv = f->C_FindObjects(session, h, 4, &n);
    f->C_FindObjectsFinal(session);
    ok(rv, "C_FindObjects");
    return {h, h + n};
  }
  CK_OBJECT_HANDLE master() {
    auto m = masters();
    if (m.empty()) throw std::runtime_error("issuer token: no master key (run akis-unlockd import-master once)");
    if (m.size() > 1) throw std::runtime_error("issuer token: several master keys labelled akis-issuer-master");
    return m[0];
  }
};

IssuerToken::IssuerToken(const TokenConfig& c) : p_(std::make_unique<Impl>()) {
  p_->lib = ::dlopen(c.module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!p_->lib) throw std::runtime_error("issuer token: cannot load the PKCS#11 module " + c.module);
  auto get = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(p_->lib, "C_GetFunctionList"));
  if (!get) throw std::runtime_error("issuer token: " + c.module + " is not a PKCS#11 module");
  ok(get(&p_->f), "C_GetFunctionList");
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = p_->f->C_Initialize(&args);
  if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) throw token_error("C_Initialize", rv);
  CK_ULONG n = 0;
  ok(p_->f->C_GetSlotList(CK_TRUE, nullptr, &n), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(n);
  ok(p_->f->C_GetSlotList(CK_TRUE, slots.data(), &n), "C_GetSlotList");
  std::string want = c.label;
  want.resize(32, ' ');
  for (CK_ULONG i = 0; i < n; ++i) {
    CK_TOKEN_INFO ti{};
    if (p_->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK) continue;
    if (std::string(reinterpret_cast<char*>(ti.label), 32) != want) continue;
    ok(p_->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &p_->session),
       "C_OpenSession");
    std::string pin = token_pin(c);
    rv = p_->f->C_Login(p_->session, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(pin.data()), pin.size());
    OPENSSL_cleanse(pin.data(), pin.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) throw token_error("login refused", rv);
    return;
  }
  throw std::runtime_error("issuer token: no token labelled '" + c.label + "' in " + c.module);
}

IssuerToken::~IssuerToken() {
  if (p_->f) {
    if (p_->session != CK_INVALID_HANDLE) p_->f->C_CloseSession(p_->session);
    p_->f->C_Finalize(nullptr);
  }
  if (p_->lib) ::dlclose(p_->lib);
}

void IssuerToken::import_master(ByteView key) {
  std::lock_guard lock(m_);
  if (key.size() != 32) throw std::runtime_error("the issuer master key must be 32 bytes");
  if (!p_->masters().empty()) throw std::runtime_error("issuer token: it already holds a master key");
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE kt = CKK_AES;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  std::string label = kMasterKeyLabel;
  Bytes value(key.begin(), key.end());
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},        {CKA_KEY_TYPE, &kt, sizeof kt},
                      {CKA_TOKEN, &yes, sizeof yes},        {CKA_PRIVATE, &yes, sizeof yes},
                      {CKA_SENSITIVE, &yes, sizeof yes},    {CKA_EXTRACTABLE, &no, sizeof no},
                      {CKA_DERIVE, &yes, sizeof yes},       {CKA_ENCRYPT, &no, sizeof no},
                      {CKA_DECRYPT, &no, sizeof no},        {CKA_WRAP, &no, sizeof no},
                      {CKA_LABEL, label.data(), label.size()}, {CKA_VALUE, value.data(), value.size()}};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CK_RV rv = p_->f->C_CreateObject(p_->session, t, sizeof t / sizeof t[0], &h);
  OPENSSL_cleanse(value.data(), value.size());
  ok(rv, "C_CreateObject (master key)");
}

void IssuerToken::check_master() {
  std::lock_guard lock(m_);
  // (An imported key is not CKA_NEVER_EXTRACTABLE: it existed outside once, at the issuer's key ceremony.)
  CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, derive = CK_FALSE;
  CK_ATTRIBUTE t[] = {{CKA_SENSITIVE, &sensitive, sizeof sensitive},
                      {CKA_EXTRACTABLE, &extractable, sizeof extractable},
                      {CKA_DERIVE, &derive, sizeof derive}};
  ok(p_->f->C_GetAttributeValue(p_->session, p_->master(), t, 3), "C_GetAttributeValue (master key)");
  if (!sensitive || extractable || !derive)
    throw std::runtime_error("issuer token: the master key is extractable or not sensitive; refusing to use it");
}

unsigned long IssuerToken::derive(ByteView serial, bool extractable) {
  Bytes data = diversification_data(serial);
  CK_KEY_DERIVATION_STRING_DATA kd{data.data(), data.size()};
  CK_MECHANISM mech{CKM_AES_ECB_ENCRYPT_DATA, &kd, sizeof kd};
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
  CK_ULONG len = 32;
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
  CK_BBOOL sensitive = extractable ? CK_FALSE : CK_TRUE, export_ok = extractable ? CK_TRUE : CK_FALSE;
  CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls},         {CKA_KEY_TYPE, &kt, sizeof kt},
                      {CKA_VALUE_LEN, &len, sizeof len},     {CKA_TOKEN, &no, sizeof no},
                      {CKA_SENSITIVE, &sensitive, sizeof sensitive}, {CKA_EXTRACTABLE, &export_ok, sizeof export_ok},
                      {CKA_SIGN, &yes, sizeof yes}};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  ok(p_->f->C_DeriveKey(p_->session, &mech, p_->master(), t, sizeof t / sizeof t[0], &key), "C_DeriveKey (card key)");
  return key;
}

Bytes IssuerToken::personalisation_key(ByteView serial) {
  std::lock_guard lock(m_);
  CK_OBJECT_HANDLE key = derive(serial, true);
  Bytes value(32);
  CK_ATTRIBUTE v{CKA_VALUE, value.data(), value.size()};
  CK_RV rv = p_->f->C_GetAttributeValue(p_->session, key, &v, 1);
  p_->f->C_DestroyObject(p_->session, key);
  ok(rv, "C_GetAttributeValue (card key)");
  value.resize(v.ulValueLen);
  return value;
}

Bytes IssuerToken::cryptogram(ByteView serial, ByteView challenge) {
  std::lock_guard lock(m_);
  CK_OBJECT_HANDLE card_key = derive(serial, false);
  struct Destroy {
    Impl* p;
    CK_OBJECT_HANDLE h;
    ~Destroy() { p->f->C_DestroyObject(p->session, h); }
  } destroy{p_.get(), card_key};
  Bytes msg(challenge.begin(), challenge.end());
  append(msg, serial);
  CK_MECHANISM hmac{CKM_SHA256_HMAC, nullptr, 0};
  ok(p_->f->C_SignInit(p_->session, &hmac, card_key), "C_SignInit (HMAC)");
  Bytes out(32);
  CK_ULONG n = out.size();
  ok(p_->f->C_Sign(p_->session, msg.data(), msg.size(), out.data(), &n), "C_Sign (HMAC)");
  out.resize(n);
  return out;
}

Bytes parse_master_key_file(const std::string& path) {
  std::string text = read_private_file(path);
  Bytes key;
  int high = -1;
  bool bad = false;
  for (char ch : text) {
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') continue;
    int v = (ch >= '0' && ch <= '9') ? ch - '0' : (ch >= 'a' && ch <= 'f') ? ch - 'a' + 10
                                                : (ch >= 'A' && ch <= 'F') ? ch - 'A' + 10 : -1;
    if (v < 0) {
      bad = true;
      break;
    }
    if (high < 0) {
      high = v;
    } else {
      key.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  OPENSSL_cleanse(text.data(), text.size());
  if (bad || high >= 0 || key.size() != 32) {
    OPENSSL_cleanse(key.data(), key.size());
    throw std::runtime_error(path + ": the issuer master key must be 64 hex digits (32 bytes); the file is " +
                             (bad ? "malformed" : text.empty() ? "empty" : "of the wrong length"));
  }
  return key;
}

}  // namespace akis::unlockd
