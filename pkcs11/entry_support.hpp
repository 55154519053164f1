// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers of the C ABI (entry*.cpp): each C_* function checks its pointers, converts arguments and calls the
// C++ module. Nothing throws past these files; every path returns a CK_RV, checked against the function's list
// of return values (return_codes.hpp) and, when it is a failure, logged once with the function's name (debug).
#pragma once

#include <cstring>
#include <span>

#include "errors.hpp"
#include "log.hpp"
#include "module.hpp"
#include "return_codes.hpp"

#define EXPORT extern "C" __attribute__((visibility("default")))

namespace akis::p11::entry {

inline CK_RV boundary(const char* name, CK_RV rv) {
  // Success needs no table look-up (a name search per call on the software path): CKR_OK is listed for every
  // function that can succeed, and the two that cannot (C_GetFunctionStatus, C_CancelFunction) never produce it.
  if (rv == CKR_OK) return rv;
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

// A bad pointer of a function on a slot's token: token errors (CKR_TOKEN_NOT_PRESENT, 5.1.3) rank above
// CKR_ARGUMENTS_BAD (5.1.6), so the token is checked first (only on this error path: no cost otherwise).
[[noreturn]] inline void token_arguments_bad(Module& m, CK_SLOT_ID slot) {
  m.check_token(slot);
  fail(CKR_ARGUMENTS_BAD);
}

// The two-call convention (PKCS#11 3.0 5.2), the one place it is written for the C side: no buffer asks the
// size; a buffer too small gets the size (false: the caller reports CKR_BUFFER_TOO_SMALL); otherwise the data
// is copied.
template <class T>
[[nodiscard]] bool copy_out(std::span<const T> data, T* out, CK_ULONG* count) {
  const bool fits = !out || *count >= data.size();
  if (fits && out && !data.empty()) std::memcpy(out, data.data(), data.size() * sizeof(T));
  *count = data.size();
  return fits;
}
template <class T>
void hand_over(std::span<const T> data, T* out, CK_ULONG* count) {
  if (!copy_out(data, out, count)) fail(CKR_BUFFER_TOO_SMALL);
}
template <class T>
void copy_list(const std::vector<T>& list, T* out, CK_ULONG* count) {
  hand_over(std::span<const T>(list), out, count);
}
// An operation's output: the core decided whether it is handed over (and kept the operation otherwise).
inline void hand_over(Module::Output r, CK_BYTE* out, CK_ULONG* out_len) {
  if (!r.bytes) {
    *out_len = r.size;
    if (out) fail(CKR_BUFFER_TOO_SMALL);
    return;
  }
  hand_over(std::span<const CK_BYTE>(*r.bytes), out, out_len);
  secure_wipe(r.bytes->data(), r.bytes->size());  // decrypted data may be secret
}

inline Secret secret(const CK_UTF8CHAR* p, CK_ULONG n) {
  if (!p && n) fail(CKR_ARGUMENTS_BAD);
  if (n > 64) fail(CKR_PIN_LEN_RANGE);
  return Secret(ByteView(p, n));
}

// C_Login and C_LoginUser (whose user name is not used: the card has one user).
inline CK_RV login_call(const char* name, CK_SESSION_HANDLE h, CK_USER_TYPE user, const CK_UTF8CHAR* pin, CK_ULONG n) {
  return with_session(name, h, [&](Module& m) {
    if (!pin) fail(CKR_ARGUMENTS_BAD);  // no protected authentication path on these readers
    if (n > 64) fail(CKR_PIN_INCORRECT);  // longer than any PIN: never sent
    m.login(h, user, secret(pin, n));
  });
}

// Single-part (data given) or final (no data) step of an operation that produces output.
inline Module::Template template_of(const CK_ATTRIBUTE* p, CK_ULONG n) { return {p, p ? n : 0}; }

// What a single-part / final call read from its pointers; bad ones are reported by the core (after the
// session and operation checks) so that the failure ends the operation.
inline Module::Call call_of(bool single, const CK_BYTE* p, CK_ULONG n, const CK_BYTE* out, const CK_ULONG* out_len) {
  Module::Call c;
  c.arguments_bad = !out_len || (single && !p && n);
  if (single) c.data = ByteView(p, p ? n : 0);
  if (out && out_len) c.capacity = *out_len;
  return c;
}

inline CK_RV output_op(const char* name, Module::Op op, CK_SESSION_HANDLE h, const CK_BYTE* p, CK_ULONG n, bool single,
                CK_BYTE* out, CK_ULONG* out_len) {
  return with_module(name, [&](Module& m) { hand_over(m.op_output(op, h, call_of(single, p, n, out, out_len)), out, out_len); });
}

// C_*Init. A NULL mechanism ends an active operation of that kind (3.0 5.8-5.13: "can be called with
// pMechanism set to NULL_PTR to terminate an active ... operation"); with none to end it is CKR_ARGUMENTS_BAD.
inline CK_RV init_op(const char* name, Module::Op op, CK_SESSION_HANDLE h, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key) {
  return with_session(name, h, [&](Module& m) {
    if (!mech) {
      const CK_FLAGS kind = op == Module::Op::Sign      ? CKF_SIGN
                            : op == Module::Op::Verify  ? CKF_VERIFY
                            : op == Module::Op::Encrypt ? CKF_ENCRYPT
                            : op == Module::Op::Decrypt ? CKF_DECRYPT
                                                        : CKF_DIGEST;
      if (m.cancel_operations(h, kind)) return;
      fail(CKR_ARGUMENTS_BAD);
    }
    m.op_init(op, h, mech, key);
  });
}

// Updates. Encrypt/decrypt updates would give their output here; the module's mechanisms are single-part.
inline CK_RV update_op(const char* name, Module::Op op, CK_SESSION_HANDLE h, const CK_BYTE* p, CK_ULONG n,
                const CK_ULONG* out_len) {
  return with_module(name, [&](Module& m) {
    const bool out_bad = out_len == nullptr && (op == Module::Op::Encrypt || op == Module::Op::Decrypt);
    m.op_update(op, h, out_bad || (!p && n) ? std::nullopt : std::optional<ByteView>(ByteView(p, p ? n : 0)));
  });
}
// The function lists (entry_tables.cpp).
extern CK_FUNCTION_LIST g_functions;

}  // namespace akis::p11::entry

// A function this card does not offer: CKR_FUNCTION_NOT_SUPPORTED once the module is initialised.
#define AKIS_UNSUPPORTED(name, ...)                                                                   \
  EXPORT CK_RV name(__VA_ARGS__) {                                                                    \
    return akis::p11::entry::with_module(#name, [&](akis::p11::Module&) { akis::p11::fail(CKR_FUNCTION_NOT_SUPPORTED); }); \
  }
