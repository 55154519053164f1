// SPDX-License-Identifier: LGPL-2.1-or-later
// The C ABI, PKCS#11 3.0 functions and the function lists / interfaces handed to applications.
#include "entry_support.hpp"

using namespace akis;
using namespace akis::p11;
using namespace akis::p11::entry;

// ---- PKCS#11 3.0 ----

EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pList, CK_ULONG_PTR pulCount);
EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR pp, CK_FLAGS flags);

EXPORT CK_RV C_LoginUser(CK_SESSION_HANDLE h, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                         CK_UTF8CHAR_PTR, CK_ULONG) {
  // The card has one user: the name is not used.
  return login_call("C_LoginUser", h, userType, pPin, ulPinLen);  // checked and logged once, as C_LoginUser
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

namespace akis::p11::entry {

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

namespace {
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
}  // namespace akis::p11::entry

EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pList, CK_ULONG_PTR pulCount) {
  return boundary("C_GetInterfaceList", guarded("C_GetInterfaceList", [&] {
                    if (!pulCount) fail(CKR_ARGUMENTS_BAD);
                    hand_over(std::span<const CK_INTERFACE>(g_interfaces), pList, pulCount);
                  }));
}

namespace {
CK_RV find_interface(CK_UTF8CHAR_PTR pName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR pp, CK_FLAGS flags) {
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
}  // namespace

EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR pp, CK_FLAGS flags) {
  return boundary("C_GetInterface", find_interface(pName, pVersion, pp, flags));
}
