// SPDX-License-Identifier: LGPL-2.1-or-later
// The C ABI, cryptographic functions: encryption, decryption, digest, signing, verification, random.
#include "entry_support.hpp"

using namespace akis;
using namespace akis::p11;
using namespace akis::p11::entry;

// ---- Encryption / decryption (RSA public-key encryption in software, decryption on the card) ----

EXPORT CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_op("C_EncryptInit", Module::Op::Encrypt, h, pMechanism, hKey);
}
EXPORT CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_Encrypt", Module::Op::Encrypt, h, p, n, true, out, outLen);
}
EXPORT CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR, CK_ULONG_PTR outLen) {
  return update_op("C_EncryptUpdate", Module::Op::Encrypt, h, p, n, outLen);
}
EXPORT CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_EncryptFinal", Module::Op::Encrypt, h, nullptr, 0, false, out, outLen);
}
EXPORT CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_op("C_DecryptInit", Module::Op::Decrypt, h, pMechanism, hKey);
}
EXPORT CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_Decrypt", Module::Op::Decrypt, h, p, n, true, out, outLen);
}
EXPORT CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR, CK_ULONG_PTR outLen) {
  return update_op("C_DecryptUpdate", Module::Op::Decrypt, h, p, n, outLen);
}
EXPORT CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_DecryptFinal", Module::Op::Decrypt, h, nullptr, 0, false, out, outLen);
}

// ---- Message digesting (software) ----

EXPORT CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism) {
  return init_op("C_DigestInit", Module::Op::Digest, h, pMechanism, 0);
}
EXPORT CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_Digest", Module::Op::Digest, h, p, n, true, out, outLen);
}
EXPORT CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n) {
  return update_op("C_DigestUpdate", Module::Op::Digest, h, p, n, nullptr);
}
EXPORT CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE hKey) {
  return with_module("C_DigestKey", [&](Module& m) { m.digest_key(h, hKey); });
}
EXPORT CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_DigestFinal", Module::Op::Digest, h, nullptr, 0, false, out, outLen);
}

// ---- Signing (on the card) and verification (software) ----

EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_op("C_SignInit", Module::Op::Sign, h, pMechanism, hKey);
}
EXPORT CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_Sign", Module::Op::Sign, h, p, n, true, out, outLen);
}
EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n) {
  return update_op("C_SignUpdate", Module::Op::Sign, h, p, n, nullptr);
}
EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
  return output_op("C_SignFinal", Module::Op::Sign, h, nullptr, 0, false, out, outLen);
}
EXPORT CK_RV C_SignRecoverInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return with_module("C_SignRecoverInit", [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });
}
EXPORT CK_RV C_SignRecover(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return with_module("C_SignRecover", [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });
}
EXPORT CK_RV C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey) {
  return init_op("C_VerifyInit", Module::Op::Verify, h, pMechanism, hKey);
}
EXPORT CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR sig, CK_ULONG sigLen) {
  return with_module("C_Verify", [&](Module& m) {
    Module::Call c;
    c.arguments_bad = !p && n;
    c.data = ByteView(p, p ? n : 0);
    m.verify_finish(h, c, !sig && sigLen ? std::nullopt : std::optional<ByteView>(ByteView(sig, sig ? sigLen : 0)));
  });
}
EXPORT CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n) {
  return update_op("C_VerifyUpdate", Module::Op::Verify, h, p, n, nullptr);
}
EXPORT CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sigLen) {
  return with_module("C_VerifyFinal", [&](Module& m) {
    m.verify_finish(h, Module::Call{}, !sig && sigLen ? std::nullopt : std::optional<ByteView>(ByteView(sig, sig ? sigLen : 0)));
  });
}
EXPORT CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE) {
  return with_module("C_VerifyRecoverInit", [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });
}
EXPORT CK_RV C_VerifyRecover(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) {
  return with_module("C_VerifyRecover", [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });
}

// ---- Dual-function, key management: not offered by this card ----

AKIS_UNSUPPORTED(C_DigestEncryptUpdate, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_DecryptDigestUpdate, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_SignEncryptUpdate, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_DecryptVerifyUpdate, CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_GenerateKey, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
AKIS_UNSUPPORTED(C_GenerateKeyPair, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_ATTRIBUTE_PTR, CK_ULONG, CK_ATTRIBUTE_PTR,
                 CK_ULONG, CK_OBJECT_HANDLE_PTR, CK_OBJECT_HANDLE_PTR)
AKIS_UNSUPPORTED(C_WrapKey, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE, CK_BYTE_PTR,
                 CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_UnwrapKey, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG,
                 CK_ATTRIBUTE_PTR, CK_ULONG, CK_OBJECT_HANDLE_PTR)
AKIS_UNSUPPORTED(C_DeriveKey, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG,
                 CK_OBJECT_HANDLE_PTR)

EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n) {
  return with_session("C_SeedRandom", h, [&](Module&) {
    if (!p && n) fail(CKR_ARGUMENTS_BAD);
    fail(CKR_RANDOM_SEED_NOT_SUPPORTED);  // the card's generator takes no seed
  });
}
EXPORT CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n) {
  return with_session("C_GenerateRandom", h, [&](Module& m) {
    if (!p && n) fail(CKR_ARGUMENTS_BAD);
    Bytes r = m.generate_random(h, n);
    if (!r.empty()) std::memcpy(p, r.data(), r.size());
  });
}
EXPORT CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h) {
  return with_session("C_GetFunctionStatus", h, [&](Module&) { fail(CKR_FUNCTION_NOT_PARALLEL); });
}
EXPORT CK_RV C_CancelFunction(CK_SESSION_HANDLE h) {
  return with_session("C_CancelFunction", h, [&](Module&) { fail(CKR_FUNCTION_NOT_PARALLEL); });
}
