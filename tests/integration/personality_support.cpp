// SPDX-License-Identifier: LGPL-2.1-or-later
#include "personality_support.hpp"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <map>
#include <mutex>
#include <ostream>
#include <stdexcept>

#include "card_state.hpp"

namespace akis::test {

LoadedP11::LoadedP11(const char* path) {
  handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle) throw std::runtime_error(std::string("dlopen: ") + dlerror());
  auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(handle, "C_GetFunctionList"));
  if (!get || get(&f) != CKR_OK) throw std::runtime_error("C_GetFunctionList failed");
}
LoadedP11::~LoadedP11() {
  if (handle) dlclose(handle);
}

bool P11Flow::slot_with_token(CK_SLOT_ID& slot) {
  CK_SLOT_ID slots[8];
  CK_ULONG n = 8;
  if (f.C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK || n == 0) return false;
  slot = slots[0];
  return true;
}

std::vector<CK_OBJECT_HANDLE> P11Flow::find(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
  CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
  std::vector<CK_OBJECT_HANDLE> out(32);
  CK_ULONG n = 0;
  if (f.C_FindObjectsInit(h, &t, 1) != CKR_OK) return {};
  f.C_FindObjects(h, out.data(), out.size(), &n);
  f.C_FindObjectsFinal(h);
  out.resize(n);
  return out;
}

Bytes P11Flow::attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (f.C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return {};
  Bytes v(a.ulValueLen);
  a.pValue = v.data();
  if (f.C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return {};
  v.resize(a.ulValueLen);
  return v;
}

namespace {
CK_UTF8CHAR* utf8(const std::string& s) { return reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(s.data())); }
}  // namespace

CK_RV P11Flow::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const std::string& pin) {
  return f.C_Login(h, user, utf8(pin), pin.size());
}
CK_RV P11Flow::set_pin(CK_SESSION_HANDLE h, const std::string& o, const std::string& n) {
  return f.C_SetPIN(h, utf8(o), o.size(), utf8(n), n.size());
}
CK_RV P11Flow::init_pin(CK_SESSION_HANDLE h, const std::string& pin) { return f.C_InitPIN(h, utf8(pin), pin.size()); }

CK_RV P11Flow::sign(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech, const Bytes& data, Bytes& sig) {
  CK_MECHANISM m{mech, nullptr, 0};
  CK_RV rv = f.C_SignInit(h, &m, key);
  if (rv != CKR_OK) return rv;
  CK_ULONG n = 0;
  rv = f.C_Sign(h, const_cast<CK_BYTE*>(data.data()), data.size(), nullptr, &n);
  if (rv != CKR_OK) return rv;
  sig.assign(n, 0);
  rv = f.C_Sign(h, const_cast<CK_BYTE*>(data.data()), data.size(), sig.data(), &n);
  sig.resize(n);
  return rv;
}

CK_RV P11Flow::decrypt(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, bool oaep, const Bytes& in, Bytes& out) {
  CK_RSA_PKCS_OAEP_PARAMS params{CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  CK_MECHANISM m{oaep ? CKM_RSA_PKCS_OAEP : CKM_RSA_PKCS, oaep ? &params : nullptr, oaep ? sizeof params : 0};
  CK_RV rv = f.C_DecryptInit(h, &m, key);
  if (rv != CKR_OK) return rv;
  out.assign(512, 0);
  CK_ULONG n = out.size();
  rv = f.C_Decrypt(h, const_cast<CK_BYTE*>(in.data()), in.size(), out.data(), &n);
  out.resize(rv == CKR_OK ? n : 0);
  return rv;
}

std::ostream& operator<<(std::ostream& os, const Tries& t) {
  return os << "PIN " << t.pin << " tries, PUK " << t.puk << " tries";
}

Tries read_tries(const std::string& state_path) {
  auto s = vcard::load(state_path);
  Tries t;
  for (auto& p : s.pins) {
    if (p.puk_ref || p.unblock_key) t.pin = p.tries_left;
    else t.puk = p.tries_left;
  }
  return t;
}

MaterialKey find_material(const vcard::CardMaterial& m, ByteView id) {
  for (auto& k : m.keys) {
    if (!std::equal(k.id.begin(), k.id.end(), id.begin(), id.end())) continue;
    const unsigned char* p = k.pkcs8.data();
    EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(k.pkcs8.size()));
    MaterialKey out{k.pkcs8, k.cert_der, key && EVP_PKEY_base_id(key) == EVP_PKEY_RSA};
    EVP_PKEY_free(key);
    return out;
  }
  return {};
}

Bytes message_with_leading_zero_signature(const Bytes& pkcs8) {
  static std::mutex mu;
  static std::map<Bytes, Bytes> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(pkcs8); it != cache.end()) return it->second;
  const unsigned char* p = pkcs8.data();
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pkcs8.size()));
  if (!key) throw std::runtime_error("material key does not parse");
  Bytes found;
  for (int i = 0; i < 20000 && found.empty(); ++i) {
    Bytes msg = to_bytes("imza " + std::to_string(i));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    Bytes sig(512);
    size_t n = sig.size();
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestSign(ctx, sig.data(), &n, msg.data(), msg.size()) == 1 && n == 256 && sig[0] == 0)
      found = msg;
    EVP_MD_CTX_free(ctx);
  }
  EVP_PKEY_free(key);
  if (found.empty()) throw std::runtime_error("no message with a leading-zero signature found");
  cache.emplace(pkcs8, found);
  return found;
}

}  // namespace akis::test
