// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared parts of the conformance tests: every C_ function that takes a session handle, called with
// otherwise valid arguments, so that a test can check what each answers for a given handle.
#pragma once

#include <algorithm>
#include <functional>

#include "p11_fixture.hpp"

#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS 0x00000040UL
#endif

namespace akis::test {

struct SessionCall {
  const char* name;
  bool unsupported;  // a function this module does not offer: CKR_FUNCTION_NOT_SUPPORTED is also correct
  std::function<CK_RV(CK_FUNCTION_LIST*, CK_SESSION_HANDLE)> call;
};

inline const std::vector<SessionCall>& session_calls() {
  static CK_BYTE data[32] = {1, 2, 3};
  static CK_BYTE out[512];
  static CK_ULONG out_len;
  static CK_UTF8CHAR pin[] = "123456";
  static CK_OBJECT_CLASS cls = CKO_DATA;
  static CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}};
  static CK_MECHANISM sha{CKM_SHA256, nullptr, 0}, rsa{CKM_RSA_PKCS, nullptr, 0};
  static CK_OBJECT_HANDLE oh;
  static CK_SESSION_INFO si;
  static CK_ULONG n;
  using F = CK_FUNCTION_LIST*;
  using H = CK_SESSION_HANDLE;
#define AKIS_CALL(unsup, fn, ...) \
  SessionCall { #fn, unsup, [](F f, H h) { out_len = sizeof out; return f->fn(h, __VA_ARGS__); } }
  static const std::vector<SessionCall> calls = {
      SessionCall{"C_CloseSession", false, [](F f, H h) { return f->C_CloseSession(h); }},
      AKIS_CALL(false, C_GetSessionInfo, &si),
      AKIS_CALL(false, C_Login, CKU_USER, pin, 6),
      SessionCall{"C_Logout", false, [](F f, H h) { return f->C_Logout(h); }},
      AKIS_CALL(false, C_InitPIN, pin, 6),
      AKIS_CALL(false, C_SetPIN, pin, 6, pin, 6),
      AKIS_CALL(false, C_CreateObject, tmpl, 1, &oh),
      AKIS_CALL(false, C_CopyObject, 1, tmpl, 1, &oh),
      AKIS_CALL(false, C_DestroyObject, 1),
      AKIS_CALL(false, C_GetObjectSize, 1, &n),
      AKIS_CALL(false, C_GetAttributeValue, 1, tmpl, 1),
      AKIS_CALL(false, C_SetAttributeValue, 1, tmpl, 1),
      AKIS_CALL(false, C_FindObjectsInit, tmpl, 1),
      AKIS_CALL(false, C_FindObjects, &oh, 1, &n),
      SessionCall{"C_FindObjectsFinal", false, [](F f, H h) { return f->C_FindObjectsFinal(h); }},
      AKIS_CALL(false, C_EncryptInit, &rsa, 1),
      AKIS_CALL(false, C_Encrypt, data, sizeof data, out, &out_len),
      AKIS_CALL(false, C_EncryptUpdate, data, sizeof data, out, &out_len),
      AKIS_CALL(false, C_EncryptFinal, out, &out_len),
      AKIS_CALL(false, C_DecryptInit, &rsa, 1),
      AKIS_CALL(false, C_Decrypt, data, sizeof data, out, &out_len),
      AKIS_CALL(false, C_DecryptUpdate, data, sizeof data, out, &out_len),
      AKIS_CALL(false, C_DecryptFinal, out, &out_len),
      AKIS_CALL(false, C_DigestInit, &sha),
      AKIS_CALL(false, C_Digest, data, sizeof data, out, &out_len),
      AKIS_CALL(false, C_DigestUpdate, data, sizeof data),
      AKIS_CALL(false, C_DigestKey, 1),
      AKIS_CALL(false, C_DigestFinal, out, &out_len),
      AKIS_CALL(false, C_SignInit, &rsa, 1),
      AKIS_CALL(false, C_Sign, data, sizeof data, out, &out_len),
      AKIS_CALL(false, C_SignUpdate, data, sizeof data),
      AKIS_CALL(false, C_SignFinal, out, &out_len),
      AKIS_CALL(false, C_VerifyInit, &rsa, 1),
      AKIS_CALL(false, C_Verify, data, sizeof data, out, 256),
      AKIS_CALL(false, C_VerifyUpdate, data, sizeof data),
      AKIS_CALL(false, C_VerifyFinal, out, 256),
      AKIS_CALL(false, C_GenerateRandom, out, 8),
      AKIS_CALL(false, C_SeedRandom, data, 8),
      SessionCall{"C_GetFunctionStatus", false, [](F f, H h) { return f->C_GetFunctionStatus(h); }},
      SessionCall{"C_CancelFunction", false, [](F f, H h) { return f->C_CancelFunction(h); }},
      AKIS_CALL(true, C_GetOperationState, out, &out_len),
      AKIS_CALL(true, C_SetOperationState, out, 16, 0, 0),
      AKIS_CALL(true, C_SignRecoverInit, &rsa, 1),
      AKIS_CALL(true, C_SignRecover, data, sizeof data, out, &out_len),
      AKIS_CALL(true, C_VerifyRecoverInit, &rsa, 1),
      AKIS_CALL(true, C_VerifyRecover, data, sizeof data, out, &out_len),
      AKIS_CALL(true, C_DigestEncryptUpdate, data, sizeof data, out, &out_len),
      AKIS_CALL(true, C_DecryptDigestUpdate, data, sizeof data, out, &out_len),
      AKIS_CALL(true, C_SignEncryptUpdate, data, sizeof data, out, &out_len),
      AKIS_CALL(true, C_DecryptVerifyUpdate, data, sizeof data, out, &out_len),
      AKIS_CALL(true, C_GenerateKey, &rsa, tmpl, 1, &oh),
      AKIS_CALL(true, C_GenerateKeyPair, &rsa, tmpl, 1, tmpl, 1, &oh, &oh),
      AKIS_CALL(true, C_WrapKey, &rsa, 1, 1, out, &out_len),
      AKIS_CALL(true, C_UnwrapKey, &rsa, 1, data, sizeof data, tmpl, 1, &oh),
      AKIS_CALL(true, C_DeriveKey, &rsa, 1, tmpl, 1, &oh),
  };
#undef AKIS_CALL
  return calls;
}

class Conformance : public P11 {
 protected:
  CK_FUNCTION_LIST_3_0* functions_3_0() {
    CK_INTERFACE* i = nullptr;
    CK_VERSION v{3, 0};
    if (C_GetInterface(nullptr, &v, &i, 0) != CKR_OK || !i) return nullptr;
    return static_cast<CK_FUNCTION_LIST_3_0*>(i->pFunctionList);
  }
  CK_RV digest(CK_SESSION_HANDLE h, const Bytes& data, CK_BYTE* out, CK_ULONG* len) {
    return f->C_Digest(h, const_cast<CK_BYTE*>(data.data()), data.size(), out, len);
  }
};

}  // namespace akis::test
