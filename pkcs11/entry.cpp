// SPDX-License-Identifier: LGPL-2.1-or-later
// The C ABI, general purpose, slot and token, session and object functions (helpers: entry_support.hpp).
#include "entry_support.hpp"

using namespace akis;
using namespace akis::p11;
using namespace akis::p11::entry;

// ---- General purpose ----

EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs) {
  return boundary("C_Initialize", initialize_module(static_cast<const CK_C_INITIALIZE_ARGS*>(pInitArgs)));
}

EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  if (pReserved) return boundary("C_Finalize", CKR_ARGUMENTS_BAD);
  return boundary("C_Finalize", finalize_module());
}

EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  return with_module("C_GetInfo", [&](Module&) {
    if (!pInfo) fail(CKR_ARGUMENTS_BAD);
    *pInfo = Module::info();
  });
}

EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (!ppFunctionList) return boundary("C_GetFunctionList", CKR_ARGUMENTS_BAD);
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
    if (!pInfo) token_arguments_bad(m, slotID);
    *pInfo = m.token_info(slotID);
  });
}

EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pList, CK_ULONG_PTR pulCount) {
  return with_module("C_GetMechanismList", [&](Module& m) {
    if (!pulCount) token_arguments_bad(m, slotID);
    copy_list(m.mechanism_list(slotID), pList, pulCount);
  });
}

EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  return with_module("C_GetMechanismInfo", [&](Module& m) {
    if (!pInfo) token_arguments_bad(m, slotID);
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
    if (!phSession) token_arguments_bad(m, slotID);
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
  return login_call("C_Login", h, userType, pPin, ulPinLen);
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
  return with_session("C_GetAttributeValue", h, [&](Module& m) {
    if (!pTemplate && n) fail(CKR_ARGUMENTS_BAD);
    const auto values = m.get_attribute_value(h, o, template_of(pTemplate, n));
    // Every entry is answered; an entry without a value (or with too small a buffer) gets
    // CK_UNAVAILABLE_INFORMATION (3.0 5.7). The standard lets any of the applicable codes be returned; this
    // module ranks them as the standard lists them: sensitive, then invalid type, then buffer too small.
    bool sensitive = false, invalid = false, small = false;
    for (CK_ULONG i = 0; i < n; ++i) {
      CK_ATTRIBUTE& a = pTemplate[i];
      const Object::Value& v = values[i];
      sensitive |= v.status == CKR_ATTRIBUTE_SENSITIVE;
      invalid |= v.status == CKR_ATTRIBUTE_TYPE_INVALID;
      if (v.status != CKR_OK) {
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
      } else if (!copy_out(std::span<const CK_BYTE>(v.bytes), static_cast<CK_BYTE*>(a.pValue), &a.ulValueLen)) {
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        small = true;
      }
    }
    if (sensitive) fail(CKR_ATTRIBUTE_SENSITIVE);
    if (invalid) fail(CKR_ATTRIBUTE_TYPE_INVALID);
    if (small) fail(CKR_BUFFER_TOO_SMALL);
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
