// The C ABI: each C_* function checks its pointers, converts arguments and calls the C++ module.
// Nothing throws past this file; every path returns a CK_RV, checked against the function's list of return
// values (return_codes.hpp) and, when it is a failure, logged once here with the function's name (debug level).
#include <cstring>
#include <span>

#include "errors.hpp"
#include "log.hpp"
#include "module.hpp"
#include "return_codes.hpp"

using namespace akis;
using namespace akis::p11;

#define EXPORT extern "C" __attribute__((visibility("default")))

namespace {

CK_RV boundary(const char* name, CK_RV rv) {
  rv = conform(name, rv);
  if (rv != CKR_OK) log::debug("%s: 0x%08lx", name, static_cast<unsigned long>(rv));
  return rv;
}

template <class F>
CK_RV with_module(const char* name, F&& fn) {
  auto m = current_module();
  if (!m) return boundary(name, CKR_CRYPTOKI_NOT_INITIALIZED);
  return boundary(name, guarded(name, [&] { fn(*m); }));
}

// Functions on a session: the session handle is checked before the arguments (PKCS#11 3.0 5.1: session
// handle errors take priority over the function's own).
template <class F>
CK_RV with_session(const char* name, CK_SESSION_HANDLE h, F&& fn) {
  return with_module(name, [&](Module& m) {
    m.check_session(h);
    fn(m);
  });
}

// The two-call convention (PKCS#11 3.0 5.2), the one place it is written for the C side: no buffer asks the
// size; a buffer too small gets the size and CKR_BUFFER_TOO_SMALL; otherwise the data is copied.
template <class T>
void hand_over(std::span<const T> data, T* out, CK_ULONG* count) {
  if (out && *count < data.size()) {
    *count = data.size();
    fail(CKR_BUFFER_TOO_SMALL);
  }
  if (out && !data.empty()) std::memcpy(out, data.data(), data.size() * sizeof(T));
  *count = data.size();
}
template <class T>
void copy_list(const std::vector<T>& list, T* out, CK_ULONG* count) {
  hand_over(std::span<const T>(list), out, count);
}
// An operation's output: the core decided whether it is handed over (and kept the operation otherwise).
void hand_over(Module::Output r, CK_BYTE* out, CK_ULONG* out_len) {
  if (!r.bytes) {
    *out_len = r.size;
    if (out) fail(CKR_BUFFER_TOO_SMALL);
    return;
  }
  hand_over(std::span<const CK_BYTE>(*r.bytes), out, out_len);
  secure_wipe(r.bytes->data(), r.bytes->size());  // decrypted data may be secret
}

Secret secret(const CK_UTF8CHAR* p, CK_ULONG n) {
  if (!p && n) fail(CKR_ARGUMENTS_BAD);
  if (n > 64) fail(CKR_PIN_LEN_RANGE);
  return Secret(ByteView(p, n));
}

// Single-part (data given) or final (no data) step of an operation that produces output.
Module::Template template_of(const CK_ATTRIBUTE* p, CK_ULONG n) { return {p, p ? n : 0}; }

// What a single-part / final call read from its pointers; bad ones are reported by the core (after the
// session and operation checks) so that the failure ends the operation.
Module::Call call_of(bool single, const CK_BYTE* p, CK_ULONG n, const CK_BYTE* out, const CK_ULONG* out_len) {
  Module::Call c;
  c.arguments_bad = !out_len || (single && !p && n);
  if (single) c.data = ByteView(p, p ? n : 0);
  if (out && out_len) c.capacity = *out_len;
  return c;
}

CK_RV output_op(const char* name, Module::Op op, CK_SESSION_HANDLE h, const CK_BYTE* p, CK_ULONG n, bool single,
                CK_BYTE* out, CK_ULONG* out_len) {
  return with_module(name, [&](Module& m) { hand_over(m.op_output(op, h, call_of(single, p, n, out, out_len)), out, out_len); });
}

CK_RV init_op(const char* name, Module::Op op, CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key) {
  return with_session(name, h, [&](Module& m) {
    if (!mech) fail(CKR_ARGUMENTS_BAD);
    m.op_init(op, h, mech, key);
  });
}

// Updates. Encrypt/decrypt updates would give their output here; the module's mechanisms are single-part.
CK_RV update_op(const char* name, Module::Op op, CK_SESSION_HANDLE h, const CK_BYTE* p, CK_ULONG n,
                const CK_ULONG* out_len) {
  return with_module(name, [&](Module& m) {
    const bool out_bad = out_len == nullptr && (op == Module::Op::Encrypt || op == Module::Op::Decrypt);
    m.op_update(op, h, out_bad || (!p && n) ? std::nullopt : std::optional<ByteView>(ByteView(p, p ? n : 0)));
  });
}

extern CK_FUNCTION_LIST g_functions;
extern CK_FUNCTION_LIST_3_0 g_functions_3_0;

}  // namespace

// ---- General purpose ----

EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  return initialize_module(static_cast<const CK_C_INITIALIZE_ARGS*>(pInitArgs));
}

EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  if (pReserved) return CKR_ARGUMENTS_BAD;
  return finalize_module();
}

EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  return with_module("C_GetInfo", [&](Module&) {
    if (!pInfo) fail(CKR_ARGUMENTS_BAD);
    *pInfo = Module::info();
  });
}

EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (!ppFunctionList) return CKR_ARGUMENTS_BAD;
  *ppFunctionList = &g_functions;
  return CKR_OK;
}

// ---- Slot and token management ----

EXPORT CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  return with_module("C_GetSlotList", [&](Module& m) {
    if (!pulCount) fail(CKR_ARGUMENTS_BAD);
    copy_list(m.slot_list(tokenPresent == CK_TRUE), pSlotList, pulCount);
  });
}

EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  return with_module("C_GetSlotInfo", [&](Module& m) {
    if (!pInfo) fail(CKR_ARGUMENTS_BAD);
    *pInfo = m.slot_info(slotID);
  });
}

EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  return with_module("C_GetTokenInfo", [&](Module& m) {
    if (!pInfo) fail(CKR_ARGUMENTS_BAD);
    *pInfo = m.token_info(slotID);
  });
}

EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pList, CK_ULONG_PTR pulCount) {
  return with_module("C_GetMechanismList", [&](Module& m) {
    if (!pulCount) fail(CKR_ARGUMENTS_BAD);
    copy_list(m.mechanism_list(slotID), pList, pulCount);
  });
}

EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  return with_module("C_GetMechanismInfo", [&](Module& m) {
    if (!pInfo) fail(CKR_ARGUMENTS_BAD);
    *pInfo = m.mechanism_info(slotID, type);
  });
}

EXPORT CK_RV C_InitToken(CK_SLOT_ID, CK_UTF8CHAR_PTR, CK_ULONG, CK_UTF8CHAR_PTR) {
  return with_module("C_InitToken", [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });
}

EXPORT CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  return with_session("C_InitPIN", h, [&](Module& m) { m.init_pin(h, secret(pPin, ulPinLen)); });
}

EXPORT CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pOld, CK_ULONG ulOld, CK_UTF8CHAR_PTR pNew, CK_ULONG ulNew) {
  return with_session("C_SetPIN", h, [&](Module& m) { m.set_pin(h, secret(pOld, ulOld), secret(pNew, ulNew)); });
}

EXPORT CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved) {
  return with_module("C_WaitForSlotEvent", [&](Module& m) {
    if (!pSlot || pReserved) fail(CKR_ARGUMENTS_BAD);
    *pSlot = m.wait_for_slot_event(flags & CKF_DONT_BLOCK);
  });
}

// ---- Session management ----

EXPORT CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR, CK_NOTIFY, CK_SESSION_HANDLE_PTR phSession) {
  return with_module("C_OpenSession", [&](Module& m) {
    if (!phSession) fail(CKR_ARGUMENTS_BAD);
    *phSession = m.open_session(slotID, flags);
  });
}

EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE h) {
  return with_module("C_CloseSession", [&](Module& m) { m.close_session(h); });
}

EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  return with_module("C_CloseAllSessions", [&](Module& m) { m.close_all_sessions(slotID); });
}

EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR pInfo) {
  return with_session("C_GetSessionInfo", h, [&](Module& m) {
    if (!pInfo) fail(CKR_ARGUMENTS_BAD);
    *pInfo = m.session_info(h);
  });
}

EXPORT CK_RV C_GetOperationState(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR) {
  return with_module("C_GetOperationState", [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });
}

EXPORT CK_RV C_SetOperationState(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE) {
  return with_module("C_SetOperationState", [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });
}

EXPORT CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  return with_session("C_Login", h, [&](Module& m) {
    if (!pPin) fail(CKR_ARGUMENTS_BAD);  // no protected authentication path on these readers
    if (ulPinLen > 64) fail(CKR_PIN_INCORRECT);  // longer than any PIN: never sent
    m.login(h, userType, secret(pPin, ulPinLen));
  });
}

EXPORT CK_RV C_Logout(CK_SESSION_HANDLE h) {
  return with_module("C_Logout", [&](Module& m) { m.logout(h); });
}

// ---- Object management ----

EXPORT CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG n, CK_OBJECT_HANDLE_PTR ph) {
  return with_session("C_CreateObject", h, [&](Module& m) {
    if ((!pTemplate && n) || !ph) fail(CKR_ARGUMENTS_BAD);
    *ph = m.create_object(h, template_of(pTemplate, n));
  });
}

EXPORT CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG n,
                          CK_OBJECT_HANDLE_PTR ph) {
  return with_session("C_CopyObject", h, [&](Module& m) {
    if ((!pTemplate && n) || !ph) fail(CKR_ARGUMENTS_BAD);
    *ph = m.copy_object(h, o, template_of(pTemplate, n));
  });
}

EXPORT CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o) {
  return with_module("C_DestroyObject", [&](Module& m) { m.destroy_object(h, o); });
}

EXPORT CK_RV C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ULONG_PTR pulSize) {
  return with_session("C_GetObjectSize", h, [&](Module& m) {
    if (!pulSize) fail(CKR_ARGUMENTS_BAD);
    *pulSize = m.object_size(h, o);
  });
}

EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG n) {
  CK_RV rv = CKR_OK;
  return with_session("C_GetAttributeValue", h, [&](Module& m) {
    if (!pTemplate && n) fail(CKR_ARGUMENTS_BAD);
    rv = m.get_attribute_value(h, o, std::span<CK_ATTRIBUTE>(pTemplate, pTemplate ? n : 0));
    if (rv != CKR_OK) fail(rv);  // an attribute's own error: the others are filled in all the same
  });
}

EXPORT CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG n) {
  return with_session("C_SetAttributeValue", h, [&](Module& m) {
    if (!pTemplate && n) fail(CKR_ARGUMENTS_BAD);
    m.set_attribute_value(h, o, template_of(pTemplate, n));
  });
}

EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG n) {
  return with_session("C_FindObjectsInit", h, [&](Module& m) {
    if (!pTemplate && n) fail(CKR_ARGUMENTS_BAD);
    m.find_init(h, template_of(pTemplate, n));
  });
}

EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR ph, CK_ULONG max, CK_ULONG_PTR pulCount) {
  return with_session("C_FindObjects", h, [&](Module& m) {
    if (!pulCount) fail(CKR_ARGUMENTS_BAD);
    auto found = m.find(h, ph ? max : 0);  // checks the search is active before a NULL array is reported
    if (!ph) fail(CKR_ARGUMENTS_BAD);
    std::copy(found.begin(), found.end(), ph);
    *pulCount = found.size();
  });
}

EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h) {
  return with_module("C_FindObjectsFinal", [&](Module& m) { m.find_final(h); });
}

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

#define AKIS_UNSUPPORTED(name, ...)                                                      \
  EXPORT CK_RV name(__VA_ARGS__) {                                                       \
    return with_module(#name, [&](Module&) { fail(CKR_FUNCTION_NOT_SUPPORTED); });      \
  }
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

// ---- PKCS#11 3.0 ----

EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pList, CK_ULONG_PTR pulCount);
EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR pp, CK_FLAGS flags);

EXPORT CK_RV C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                         CK_UTF8CHAR_PTR, CK_ULONG) {
  return C_Login(h, userType, pPin, ulPinLen);  // the card has one user: the name is not used
}
EXPORT CK_RV C_SessionCancel(CK_SESSION_HANDLE h, CK_FLAGS flags) {
  return with_module("C_SessionCancel", [&](Module& m) { m.cancel_operations(h, flags); });
}
AKIS_UNSUPPORTED(C_MessageEncryptInit, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
AKIS_UNSUPPORTED(C_EncryptMessage, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_EncryptMessageBegin, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
AKIS_UNSUPPORTED(C_EncryptMessageNext, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG_PTR, CK_FLAGS)
AKIS_UNSUPPORTED(C_MessageEncryptFinal, CK_SESSION_HANDLE)
AKIS_UNSUPPORTED(C_MessageDecryptInit, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
AKIS_UNSUPPORTED(C_DecryptMessage, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_DecryptMessageBegin, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG)
AKIS_UNSUPPORTED(C_DecryptMessageNext, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG_PTR, CK_FLAGS)
AKIS_UNSUPPORTED(C_MessageDecryptFinal, CK_SESSION_HANDLE)
AKIS_UNSUPPORTED(C_MessageSignInit, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
AKIS_UNSUPPORTED(C_SignMessage, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_SignMessageBegin, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG)
AKIS_UNSUPPORTED(C_SignMessageNext, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG_PTR)
AKIS_UNSUPPORTED(C_MessageSignFinal, CK_SESSION_HANDLE)
AKIS_UNSUPPORTED(C_MessageVerifyInit, CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE)
AKIS_UNSUPPORTED(C_VerifyMessage, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG)
AKIS_UNSUPPORTED(C_VerifyMessageBegin, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG)
AKIS_UNSUPPORTED(C_VerifyMessageNext, CK_SESSION_HANDLE, CK_VOID_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
                 CK_ULONG)
AKIS_UNSUPPORTED(C_MessageVerifyFinal, CK_SESSION_HANDLE)

namespace {

#define AKIS_240_FUNCTIONS                                                                                       \
  C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList, C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo,         \
      C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN, C_OpenSession, C_CloseSession,  \
      C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState, C_SetOperationState, C_Login, C_Logout,        \
      C_CreateObject, C_CopyObject, C_DestroyObject, C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue, \
      C_FindObjectsInit, C_FindObjects, C_FindObjectsFinal, C_EncryptInit, C_Encrypt, C_EncryptUpdate,          \
      C_EncryptFinal, C_DecryptInit, C_Decrypt, C_DecryptUpdate, C_DecryptFinal, C_DigestInit, C_Digest,        \
      C_DigestUpdate, C_DigestKey, C_DigestFinal, C_SignInit, C_Sign, C_SignUpdate, C_SignFinal,                \
      C_SignRecoverInit, C_SignRecover, C_VerifyInit, C_Verify, C_VerifyUpdate, C_VerifyFinal,                  \
      C_VerifyRecoverInit, C_VerifyRecover, C_DigestEncryptUpdate, C_DecryptDigestUpdate, C_SignEncryptUpdate,  \
      C_DecryptVerifyUpdate, C_GenerateKey, C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey,             \
      C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent

CK_FUNCTION_LIST g_functions = {{2, 40}, AKIS_240_FUNCTIONS};
CK_FUNCTION_LIST_3_0 g_functions_3_0 = {
    {3, 0},
    AKIS_240_FUNCTIONS,
    C_GetInterfaceList,
    C_GetInterface,
    C_LoginUser,
    C_SessionCancel,
    C_MessageEncryptInit,
    C_EncryptMessage,
    C_EncryptMessageBegin,
    C_EncryptMessageNext,
    C_MessageEncryptFinal,
    C_MessageDecryptInit,
    C_DecryptMessage,
    C_DecryptMessageBegin,
    C_DecryptMessageNext,
    C_MessageDecryptFinal,
    C_MessageSignInit,
    C_SignMessage,
    C_SignMessageBegin,
    C_SignMessageNext,
    C_MessageSignFinal,
    C_MessageVerifyInit,
    C_VerifyMessage,
    C_VerifyMessageBegin,
    C_VerifyMessageNext,
    C_MessageVerifyFinal,
};

CK_CHAR kInterfaceName[] = "PKCS 11";
CK_INTERFACE g_interfaces[] = {
    {kInterfaceName, &g_functions_3_0, 0},
    {kInterfaceName, &g_functions, 0},
};

}  // namespace

EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pList, CK_ULONG_PTR pulCount) {
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  return guarded("C_GetInterfaceList", [&] { hand_over(std::span<const CK_INTERFACE>(g_interfaces), pList, pulCount); });
}

EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR pp, CK_FLAGS flags) {
  if (!pp) return CKR_ARGUMENTS_BAD;
  if (pName && std::strcmp(reinterpret_cast<const char*>(pName), "PKCS 11") != 0) return CKR_ARGUMENTS_BAD;
  for (auto& i : g_interfaces) {
    const CK_VERSION* v = static_cast<const CK_VERSION*>(i.pFunctionList);
    if (pVersion && (pVersion->major != v->major || pVersion->minor != v->minor)) continue;
    if ((i.flags & flags) != flags) continue;
    *pp = &i;
    return CKR_OK;
  }
  return CKR_ARGUMENTS_BAD;
}
