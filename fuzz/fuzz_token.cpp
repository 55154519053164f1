// SPDX-License-Identifier: LGPL-2.1-or-later
// A whole card's content through the PKCS#11 module: token info, every object and attribute, the
// handling of what the card returns for signatures and deciphered blocks (with every mechanism kind),
// verify/encrypt with the public keys the card gave, PIN change and unblock. The card is a FakeCard built from the input.
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "fake_card.hpp"
#include "module.hpp"

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR);

using namespace akis;

namespace {

std::shared_ptr<fuzz::FakeCard> g_card;

class FuzzBackend final : public p11::Backend {
 public:
  std::vector<pcsc::ReaderState> readers() override {
    pcsc::ReaderState s;
    s.name = "Fuzz Reader";
    s.present = true;
    s.atr = g_card->atr;
    s.event_count = 1;
    return {s};
  }
  std::unique_ptr<Transport> connect(const std::string&) override {
    return std::make_unique<fuzz::FakeTransport>(g_card);
  }
  bool wait_for_change(const std::vector<pcsc::ReaderState>&, std::chrono::milliseconds) override { return false; }
  void cancel_wait() override {}
};

const CK_ATTRIBUTE_TYPE kAttributes[] = {
    CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_VALUE, CKA_KEY_TYPE, CKA_MODULUS,
    CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_EC_PARAMS, CKA_EC_POINT, CKA_SUBJECT, CKA_ISSUER,
    CKA_SERIAL_NUMBER, CKA_CERTIFICATE_TYPE, CKA_CERTIFICATE_CATEGORY, CKA_CHECK_VALUE, CKA_START_DATE,
    CKA_END_DATE, CKA_PUBLIC_KEY_INFO, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, CKA_HASH_OF_ISSUER_PUBLIC_KEY, CKA_SIGN,
    CKA_DECRYPT, CKA_VERIFY, CKA_ENCRYPT, CKA_ALWAYS_AUTHENTICATE, CKA_SENSITIVE, CKA_TRUSTED, CKA_URL};

CK_FUNCTION_LIST* f = nullptr;

Bytes attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
  CK_ATTRIBUTE a{t, nullptr, 0};
  if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen > 1 << 20) return {};
  Bytes v(a.ulValueLen);
  a.pValue = v.data();
  if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen != v.size()) __builtin_trap();
  return v;
}

// Runs one single-part operation with the size query first, as applications do.
Bytes run(CK_RV (*init)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE),
          CK_RV (*op)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR), CK_SESSION_HANDLE s,
          CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes& in) {
  if (init(s, &m, key) != CKR_OK) return {};
  static CK_BYTE none;
  CK_BYTE* data = in.empty() ? &none : const_cast<CK_BYTE*>(in.data());  // an empty input, not a NULL one
  CK_ULONG n = 0;
  if (op(s, data, in.size(), nullptr, &n) != CKR_OK) return {};
  if (n > 1 << 16) __builtin_trap();  // no card answer makes the module announce a huge output
  Bytes out(n);
  CK_ULONG got = n;
  if (op(s, data, in.size(), out.empty() ? &none : out.data(), &got) != CKR_OK) return {};
  if (got > n) __builtin_trap();
  out.resize(got);
  return out;
}

void use_private_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_KEY_TYPE type, std::size_t modulus) {
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_RSA_PKCS_OAEP_PARAMS oaep{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  const Bytes hash(32, 0x42), message(100, 0x43), cryptogram(modulus, 0x44);
  std::vector<std::pair<CK_MECHANISM, const Bytes*>> sign;
  std::vector<CK_MECHANISM> decrypt;
  if (type == CKK_EC) {
    sign = {{{CKM_ECDSA, nullptr, 0}, &hash}, {{CKM_ECDSA_SHA256, nullptr, 0}, &message}};
  } else {
    sign = {{{CKM_RSA_PKCS, nullptr, 0}, &hash},
            {{CKM_SHA256_RSA_PKCS, nullptr, 0}, &message},
            {{CKM_RSA_X_509, nullptr, 0}, &hash},
            {{CKM_RSA_PKCS_PSS, &pss, sizeof pss}, &hash}};
    decrypt = {{CKM_RSA_PKCS, nullptr, 0}, {CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep}, {CKM_RSA_X_509, nullptr, 0}};
  }
  for (auto& [m, in] : sign) (void)run(f->C_SignInit, f->C_Sign, s, m, key, *in);
  for (auto& m : decrypt) (void)run(f->C_DecryptInit, f->C_Decrypt, s, m, key, cryptogram);
}

void use_public_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_KEY_TYPE type, std::size_t modulus) {
  const Bytes hash(32, 0x42), sig(type == CKK_EC ? 64 : modulus, 0x45);
  CK_MECHANISM m{type == CKK_EC ? CKM_ECDSA : CKM_RSA_PKCS, nullptr, 0};
  if (f->C_VerifyInit(s, &m, key) == CKR_OK)
    (void)f->C_Verify(s, const_cast<CK_BYTE*>(hash.data()), hash.size(), const_cast<CK_BYTE*>(sig.data()),
                      sig.size());
  if (type != CKK_EC) (void)run(f->C_EncryptInit, f->C_Encrypt, s, m, key, hash);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The login registry writes under XDG_RUNTIME_DIR; the configuration file must not be the system's.
  static std::string dir = (std::filesystem::temp_directory_path() / "akis-fuzz-token").string();
  std::filesystem::create_directories(dir);
  ::setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
  ::setenv("AKIS_PKCS11_CONF", "/dev/null", 1);
  ::unsetenv("AKIS_PKCS11_LOG");
  ::unsetenv("AKIS_APDU_TRACE");
  p11::set_backend_factory([]() -> std::unique_ptr<p11::Backend> { return std::make_unique<FuzzBackend>(); });
  C_GetFunctionList(&f);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  g_card = std::make_shared<fuzz::FakeCard>(fuzz::FakeCard::parse(ByteView(data, size)));
  if (f->C_Initialize(nullptr) != CKR_OK) __builtin_trap();
  CK_SLOT_ID slots[4];
  CK_ULONG n = 4;
  if (f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n > 0) {
    CK_TOKEN_INFO ti;
    CK_SESSION_HANDLE s = 0;
    if (f->C_GetTokenInfo(slots[0], &ti) == CKR_OK &&
        f->C_OpenSession(slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) == CKR_OK) {
      CK_UTF8CHAR pin[] = "123456";
      (void)f->C_Login(s, CKU_USER, pin, 6);
      std::vector<CK_OBJECT_HANDLE> objects(64);
      CK_ULONG found = 0;
      if (f->C_FindObjectsInit(s, nullptr, 0) == CKR_OK) {
        (void)f->C_FindObjects(s, objects.data(), objects.size(), &found);
        (void)f->C_FindObjectsFinal(s);
      }
      objects.resize(found);
      for (auto o : objects) {
        for (auto t : kAttributes) (void)attribute(s, o, t);
        Bytes cls = attribute(s, o, CKA_CLASS), type = attribute(s, o, CKA_KEY_TYPE);
        if (cls.size() != sizeof(CK_ULONG) || type.size() != sizeof(CK_ULONG)) continue;
        CK_ULONG c, k;
        std::memcpy(&c, cls.data(), sizeof c);
        std::memcpy(&k, type.data(), sizeof k);
        std::size_t modulus = std::min<std::size_t>(attribute(s, o, CKA_MODULUS).size(), 1024);
        if (c == CKO_PRIVATE_KEY) use_private_key(s, o, k, modulus);
        if (c == CKO_PUBLIC_KEY) use_public_key(s, o, k, modulus);
      }
      CK_BYTE random[16];
      (void)f->C_GenerateRandom(s, random, sizeof random);
      // PIN management with the AODF's encoding (pinType, storedLength, padChar): change, then unblock as SO.
      CK_UTF8CHAR new_pin[] = "24682468", puk[] = "87654321";
      (void)f->C_SetPIN(s, pin, 6, new_pin, 8);
      (void)f->C_Logout(s);
      if (f->C_Login(s, CKU_SO, puk, 8) == CKR_OK) (void)f->C_InitPIN(s, pin, 6);
      (void)f->C_Logout(s);
      (void)f->C_CloseSession(s);
    }
  }
  f->C_Finalize(nullptr);
  g_card.reset();
  return 0;
}
