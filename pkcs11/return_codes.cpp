#include "return_codes.hpp"

#include <cstring>
#include <initializer_list>

#include "log.hpp"

namespace akis::p11 {

namespace {

struct Listed {
  const char* function;
  std::initializer_list<CK_RV> values;
};

// PKCS#11 base specification 2.40 / 3.0, the "Return values" of each function's section (5.4 general purpose,
// 5.5 slot and token, 5.6 session, 5.7 object, 5.15 random). Functions left out here answer codes outside
// their list on purpose (CKR_OPERATION_ACTIVE for C_Digest after C_DigestUpdate, CKR_USER_NOT_LOGGED_IN for
// card writes) and pass through.
const Listed kTables[] = {
    {"C_GetInfo", {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_FUNCTION_FAILED, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK,
                   CKR_ARGUMENTS_BAD}},
    {"C_CloseSession",
     {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED, CKR_FUNCTION_FAILED,
      CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK, CKR_SESSION_CLOSED, CKR_SESSION_HANDLE_INVALID}},
    {"C_GetSessionInfo",
     {CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED,
      CKR_FUNCTION_FAILED, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK, CKR_SESSION_CLOSED,
      CKR_SESSION_HANDLE_INVALID}},
    {"C_FindObjectsFinal",
     {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED, CKR_FUNCTION_FAILED,
      CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK, CKR_OPERATION_NOT_INITIALIZED, CKR_SESSION_CLOSED,
      CKR_SESSION_HANDLE_INVALID}},
    {"C_SeedRandom",
     {CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED,
      CKR_FUNCTION_CANCELED, CKR_FUNCTION_FAILED, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK, CKR_OPERATION_ACTIVE,
      CKR_RANDOM_SEED_NOT_SUPPORTED, CKR_RANDOM_NO_RNG, CKR_SESSION_CLOSED, CKR_SESSION_HANDLE_INVALID,
      CKR_USER_NOT_LOGGED_IN}},
    {"C_GenerateRandom",
     {CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED,
      CKR_FUNCTION_CANCELED, CKR_FUNCTION_FAILED, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK, CKR_OPERATION_ACTIVE,
      CKR_RANDOM_NO_RNG, CKR_SESSION_CLOSED, CKR_SESSION_HANDLE_INVALID, CKR_USER_NOT_LOGGED_IN}},
    {"C_GetTokenInfo",
     {CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED, CKR_FUNCTION_FAILED,
      CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK, CKR_SLOT_ID_INVALID, CKR_TOKEN_NOT_PRESENT,
      CKR_TOKEN_NOT_RECOGNIZED, CKR_ARGUMENTS_BAD}},
    {"C_Login",
     {CKR_ARGUMENTS_BAD, CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED,
      CKR_FUNCTION_CANCELED, CKR_FUNCTION_FAILED, CKR_GENERAL_ERROR, CKR_HOST_MEMORY, CKR_OK,
      CKR_OPERATION_NOT_INITIALIZED, CKR_PIN_INCORRECT, CKR_PIN_LOCKED, CKR_SESSION_CLOSED,
      CKR_SESSION_HANDLE_INVALID, CKR_SESSION_READ_ONLY_EXISTS, CKR_USER_ALREADY_LOGGED_IN,
      CKR_USER_ANOTHER_ALREADY_LOGGED_IN, CKR_USER_PIN_NOT_INITIALIZED, CKR_USER_TOO_MANY_TYPES,
      CKR_USER_TYPE_INVALID}},
};

const Listed* table(const char* function) {
  for (auto& t : kTables)
    if (std::strcmp(t.function, function) == 0) return &t;
  return nullptr;
}

}  // namespace

bool listed_for(const char* function, CK_RV rv) {
  const Listed* t = table(function);
  if (!t) return true;
  for (CK_RV v : t->values)
    if (v == rv) return true;
  return false;
}

CK_RV conform(const char* function, CK_RV rv) {
  if (listed_for(function, rv)) return rv;
  log::error("%s: 0x%lx is not a return value of this function; reporting CKR_FUNCTION_FAILED", function,
             static_cast<unsigned long>(rv));
  return CKR_FUNCTION_FAILED;
}

}  // namespace akis::p11
