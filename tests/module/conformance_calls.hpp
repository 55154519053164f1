// SPDX-License-Identifier: LGPL-2.1-or-later
// Every exported C_ function by name (the PKCS#11 3.0 function list, in its order) and every function that
// takes a session handle called with all its pointers NULL, for the conformance tests of each function's
// error paths (conformance_calls_test.cpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "conformance.hpp"

namespace akis::test {

inline const std::vector<std::string>& all_function_names() {
  static const std::vector<std::string> names = {
      "C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList", "C_GetSlotInfo",
      "C_GetTokenInfo", "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken", "C_InitPIN", "C_SetPIN",
      "C_OpenSession", "C_CloseSession", "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState",
      "C_SetOperationState", "C_Login", "C_Logout", "C_CreateObject", "C_CopyObject", "C_DestroyObject",
      "C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue", "C_FindObjectsInit", "C_FindObjects",
      "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate", "C_EncryptFinal", "C_DecryptInit",
      "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal", "C_DigestInit", "C_Digest", "C_DigestUpdate",
      "C_DigestKey", "C_DigestFinal", "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal", "C_SignRecoverInit",
      "C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal", "C_VerifyRecoverInit",
      "C_VerifyRecover", "C_DigestEncryptUpdate", "C_DecryptDigestUpdate", "C_SignEncryptUpdate",
      "C_DecryptVerifyUpdate", "C_GenerateKey", "C_GenerateKeyPair", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey",
      "C_SeedRandom", "C_GenerateRandom", "C_GetFunctionStatus", "C_CancelFunction", "C_WaitForSlotEvent",
      "C_GetInterfaceList", "C_GetInterface", "C_LoginUser", "C_SessionCancel", "C_MessageEncryptInit",
      "C_EncryptMessage", "C_EncryptMessageBegin", "C_EncryptMessageNext", "C_MessageEncryptFinal",
      "C_MessageDecryptInit", "C_DecryptMessage", "C_DecryptMessageBegin", "C_DecryptMessageNext",
      "C_MessageDecryptFinal", "C_MessageSignInit", "C_SignMessage", "C_SignMessageBegin", "C_SignMessageNext",
      "C_MessageSignFinal", "C_MessageVerifyInit", "C_VerifyMessage", "C_VerifyMessageBegin",
      "C_VerifyMessageNext", "C_MessageVerifyFinal"};
  return names;
}

struct NullCall {
  const char* name;
  bool unsupported;  // a stub: CKR_FUNCTION_NOT_SUPPORTED is also correct
  std::function<CK_RV(CK_FUNCTION_LIST_3_0*, CK_SESSION_HANDLE)> call;
};

// Each session function with every pointer NULL and every length non-zero (key/object handles 1).
inline const std::vector<NullCall>& null_calls() {
  using F = CK_FUNCTION_LIST_3_0*;
  using H = CK_SESSION_HANDLE;
#define AKIS_NULL(unsup, fn, ...) \
  NullCall { #fn, unsup, [](F f, H h) { return f->fn(h, __VA_ARGS__); } }
  static const std::vector<NullCall> calls = {
      AKIS_NULL(false, C_GetSessionInfo, nullptr),
      AKIS_NULL(false, C_Login, CKU_USER, nullptr, 6),
      AKIS_NULL(false, C_LoginUser, CKU_USER, nullptr, 6, nullptr, 4),
      AKIS_NULL(false, C_InitPIN, nullptr, 6),
      AKIS_NULL(false, C_SetPIN, nullptr, 6, nullptr, 6),
      AKIS_NULL(false, C_CreateObject, nullptr, 1, nullptr),
      AKIS_NULL(false, C_CopyObject, 1, nullptr, 1, nullptr),
      AKIS_NULL(false, C_GetObjectSize, 1, nullptr),
      AKIS_NULL(false, C_GetAttributeValue, 1, nullptr, 1),
      AKIS_NULL(false, C_SetAttributeValue, 1, nullptr, 1),
      AKIS_NULL(false, C_FindObjectsInit, nullptr, 1),
      AKIS_NULL(false, C_FindObjects, nullptr, 1, nullptr),
      AKIS_NULL(false, C_EncryptInit, nullptr, 1),
      AKIS_NULL(false, C_Encrypt, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(false, C_EncryptUpdate, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(false, C_EncryptFinal, nullptr, nullptr),
      AKIS_NULL(false, C_DecryptInit, nullptr, 1),
      AKIS_NULL(false, C_Decrypt, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(false, C_DecryptUpdate, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(false, C_DecryptFinal, nullptr, nullptr),
      AKIS_NULL(false, C_DigestInit, nullptr),
      AKIS_NULL(false, C_Digest, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(false, C_DigestUpdate, nullptr, 4),
      AKIS_NULL(false, C_DigestFinal, nullptr, nullptr),
      AKIS_NULL(false, C_SignInit, nullptr, 1),
      AKIS_NULL(false, C_Sign, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(false, C_SignUpdate, nullptr, 4),
      AKIS_NULL(false, C_SignFinal, nullptr, nullptr),
      AKIS_NULL(false, C_VerifyInit, nullptr, 1),
      AKIS_NULL(false, C_Verify, nullptr, 4, nullptr, 4),
      AKIS_NULL(false, C_VerifyUpdate, nullptr, 4),
      AKIS_NULL(false, C_VerifyFinal, nullptr, 4),
      AKIS_NULL(false, C_GenerateRandom, nullptr, 4),
      AKIS_NULL(false, C_SeedRandom, nullptr, 4),
      AKIS_NULL(true, C_GetOperationState, nullptr, nullptr),
      AKIS_NULL(true, C_SetOperationState, nullptr, 4, 0, 0),
      AKIS_NULL(true, C_SignRecoverInit, nullptr, 1),
      AKIS_NULL(true, C_SignRecover, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_VerifyRecoverInit, nullptr, 1),
      AKIS_NULL(true, C_VerifyRecover, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_DigestEncryptUpdate, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_DecryptDigestUpdate, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_SignEncryptUpdate, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_DecryptVerifyUpdate, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_GenerateKey, nullptr, nullptr, 1, nullptr),
      AKIS_NULL(true, C_GenerateKeyPair, nullptr, nullptr, 1, nullptr, 1, nullptr, nullptr),
      AKIS_NULL(true, C_WrapKey, nullptr, 1, 1, nullptr, nullptr),
      AKIS_NULL(true, C_UnwrapKey, nullptr, 1, nullptr, 4, nullptr, 1, nullptr),
      AKIS_NULL(true, C_DeriveKey, nullptr, 1, nullptr, 1, nullptr),
      AKIS_NULL(true, C_MessageEncryptInit, nullptr, 1),
      AKIS_NULL(true, C_EncryptMessage, nullptr, 4, nullptr, 4, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_EncryptMessageBegin, nullptr, 4, nullptr, 4),
      AKIS_NULL(true, C_EncryptMessageNext, nullptr, 4, nullptr, 4, nullptr, nullptr, 0),
      NullCall{"C_MessageEncryptFinal", true, [](F f, H h) { return f->C_MessageEncryptFinal(h); }},
      AKIS_NULL(true, C_MessageDecryptInit, nullptr, 1),
      AKIS_NULL(true, C_DecryptMessage, nullptr, 4, nullptr, 4, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_DecryptMessageBegin, nullptr, 4, nullptr, 4),
      AKIS_NULL(true, C_DecryptMessageNext, nullptr, 4, nullptr, 4, nullptr, nullptr, 0),
      NullCall{"C_MessageDecryptFinal", true, [](F f, H h) { return f->C_MessageDecryptFinal(h); }},
      AKIS_NULL(true, C_MessageSignInit, nullptr, 1),
      AKIS_NULL(true, C_SignMessage, nullptr, 4, nullptr, 4, nullptr, nullptr),
      AKIS_NULL(true, C_SignMessageBegin, nullptr, 4),
      AKIS_NULL(true, C_SignMessageNext, nullptr, 4, nullptr, 4, nullptr, nullptr),
      NullCall{"C_MessageSignFinal", true, [](F f, H h) { return f->C_MessageSignFinal(h); }},
      AKIS_NULL(true, C_MessageVerifyInit, nullptr, 1),
      AKIS_NULL(true, C_VerifyMessage, nullptr, 4, nullptr, 4, nullptr, 4),
      AKIS_NULL(true, C_VerifyMessageBegin, nullptr, 4),
      AKIS_NULL(true, C_VerifyMessageNext, nullptr, 4, nullptr, 4, nullptr, 4),
      NullCall{"C_MessageVerifyFinal", true, [](F f, H h) { return f->C_MessageVerifyFinal(h); }},
      NullCall{"C_SessionCancel", false, [](F f, H h) { return f->C_SessionCancel(h, CKF_SIGN); }},
  };
#undef AKIS_NULL
  return calls;
}

}  // namespace akis::test
