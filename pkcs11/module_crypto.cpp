// SPDX-License-Identifier: LGPL-2.1-or-later
// Cryptographic operations and their termination rules (PKCS#11 3.0 section 5.2 and the functions' sections):
// - a C_*Update that fails ends its operation;
// - a single-part or final call ends its operation, except a size query (no buffer) that succeeds and a
//   CKR_BUFFER_TOO_SMALL answer: both keep the operation and whatever it already computed;
// - a single-part call after a C_*Update is refused (CKR_OPERATION_ACTIVE), which, being a failed call, ends it;
// - C_*Update is refused for single-part mechanisms (no host hash: CKM_RSA_PKCS, CKM_ECDSA, ...) with
//   CKR_FUNCTION_NOT_SUPPORTED, ending the operation.
#include "module.hpp"

#include <cstring>

#include "errors.hpp"

#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS 0x00000040UL
#endif

namespace akis::p11 {

CryptoState* Module::crypto_of(Session& s, Op op) {
  switch (op) {
    case Op::Sign: return std::get_if<SignOp>(&s.op);
    case Op::Verify: return std::get_if<VerifyOp>(&s.op);
    case Op::Encrypt: return std::get_if<EncryptOp>(&s.op);
    case Op::Decrypt: return std::get_if<DecryptOp>(&s.op);
    case Op::Digest: return std::get_if<DigestOp>(&s.op);
  }
  return nullptr;
}

namespace {
// Runs one step of the session's active operation; any failure ends the operation.
template <class F>
decltype(auto) ending_on_error(Session& s, F&& fn) {
  try {
    return fn();
  } catch (...) {
    s.end();
    throw;
  }
}

// The input of a single-part or final step: the hash of all parts, or the single part.
Bytes input_of(CryptoState& o, const std::optional<ByteView>& data) {
  if (o.hash) {
    if (data) o.hash->update(*data);
    return o.hash->final();
  }
  return data ? Bytes(data->begin(), data->end()) : Bytes{};
}

// The two-call convention for the output of an operation, in one place. `hint` answers a size query without
// computing; it is the exact size when `exact`, an upper bound otherwise (then the output is computed and kept
// to answer a short buffer exactly). Returns with the operation kept when no bytes are handed over; the
// caller ends it after handing them over.
template <class F>
Module::Output offer(CryptoState& o, const Module::Call& c, std::size_t hint, bool exact, F&& compute) {
  if (!o.result) {
    if (!c.capacity) return {hint, std::nullopt};
    if (exact && *c.capacity < hint) return {hint, std::nullopt};
    o.result = compute();
  }
  const std::size_t size = o.result->size();
  if (!c.capacity || *c.capacity < size) return {size, std::nullopt};
  return {size, std::move(*o.result)};
}
}  // namespace

void Module::check_session(CK_SESSION_HANDLE h) { session(h); }

void Module::op_init(Op op, CK_SESSION_HANDLE h, const CK_MECHANISM* m, CK_OBJECT_HANDLE key) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!s->idle()) fail(CKR_OPERATION_ACTIVE);
  if (op == Op::Digest) {
    DigestOp o;
    o.mech = parse_mechanism(m, CKF_DIGEST, nullptr);
    o.hash = std::make_unique<Hash>(o.mech.hash);
    s->op = std::move(o);
    return;
  }
  auto k = lookup(*s, key);
  if (!k) fail(CKR_KEY_HANDLE_INVALID);
  struct Need {
    CK_OBJECT_CLASS cls;
    CK_ATTRIBUTE_TYPE usage;
    CK_FLAGS flag;
  };
  Need need = op == Op::Sign      ? Need{CKO_PRIVATE_KEY, CKA_SIGN, CKF_SIGN}
              : op == Op::Decrypt ? Need{CKO_PRIVATE_KEY, CKA_DECRYPT, CKF_DECRYPT}
              : op == Op::Verify  ? Need{CKO_PUBLIC_KEY, CKA_VERIFY, CKF_VERIFY}
                                  : Need{CKO_PUBLIC_KEY, CKA_ENCRYPT, CKF_ENCRYPT};
  if (k->cls != need.cls) fail(CKR_KEY_TYPE_INCONSISTENT);
  if (!k->get_bool(need.usage)) fail(CKR_KEY_FUNCTION_NOT_PERMITTED);
  if (need.cls == CKO_PRIVATE_KEY && !k->key) fail(CKR_KEY_HANDLE_INVALID);  // not a key of the card
  auto setup = [&](CryptoState& o) {
    o.mech = parse_mechanism(m, need.flag, k.get());
    o.key = k.get();
    o.key_owner = k;
    if (o.mech.hash) o.hash = std::make_unique<Hash>(o.mech.hash);
  };
  auto start = [&](auto o) {
    setup(o);
    s->op = std::move(o);
  };
  switch (op) {
    case Op::Sign: return start(SignOp{});
    case Op::Verify: return start(VerifyOp{});
    case Op::Encrypt: return start(EncryptOp{});
    case Op::Decrypt: return start(DecryptOp{});
    case Op::Digest: break;
  }
}

void Module::op_update(Op op, CK_SESSION_HANDLE h, std::optional<ByteView> part) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  CryptoState* o = crypto_of(*s, op);
  if (!o) fail(CKR_OPERATION_NOT_INITIALIZED);
  ending_on_error(*s, [&] {
    if (!part) fail(CKR_ARGUMENTS_BAD);
    if (!o->hash) fail(CKR_FUNCTION_NOT_SUPPORTED);  // a single-part mechanism
    o->hash->update(*part);
    o->updated = true;
  });
}

Module::Output Module::op_output(Op op, CK_SESSION_HANDLE h, const Call& c) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  CryptoState* found = op == Op::Verify ? nullptr : crypto_of(*s, op);
  if (!found) fail(CKR_OPERATION_NOT_INITIALIZED);
  CryptoState& o = *found;
  bool* context_login = s->context_login();
  Output out = ending_on_error(*s, [&]() -> Output {
    if (c.arguments_bad) fail(CKR_ARGUMENTS_BAD);
    if (c.data && o.updated) fail(CKR_OPERATION_ACTIVE);  // C_Digest/C_Sign/... cannot end a multi-part operation
    switch (op) {
      case Op::Digest:
        return offer(o, c, o.hash->size(), true, [&] { return input_of(o, c.data); });
      case Op::Sign:
        return offer(o, c, signature_size(*o.key), true, [&] {
          if (o.key->get_bool(CKA_ALWAYS_AUTHENTICATE) && !*context_login) fail(CKR_USER_NOT_LOGGED_IN);
          Bytes in = card_sign_input(o.mech, *o.key, input_of(o, c.data));
          Bytes sig = with_card(*s, [&](Card& card) { return card.sign(*o.key->key, in); });
          if (sig.size() != signature_size(*o.key)) fail(CKR_DEVICE_ERROR);
          return sig;
        });
      case Op::Encrypt:
        return offer(o, c, o.key->get(CKA_MODULUS)->size(), true,
                     [&] { return encrypt(o.mech, *o.key, input_of(o, c.data)); });
      case Op::Decrypt: {
        const std::size_t k = o.key->get(CKA_MODULUS)->size();  // an upper bound of the plaintext's size
        return offer(o, c, k, false, [&] {
          if (o.key->get_bool(CKA_ALWAYS_AUTHENTICATE) && !*context_login) fail(CKR_USER_NOT_LOGGED_IN);
          Bytes ct = input_of(o, c.data);
          if (ct.size() != k) fail(CKR_ENCRYPTED_DATA_LEN_RANGE);
          Bytes block = with_card(*s, [&](Card& card) { return card.decipher(*o.key->key, ct); });
          Bytes plain = unpad_decrypted(o.mech, *o.key, block);
          secure_wipe(block.data(), block.size());
          return plain;
        });
      }
      case Op::Verify: break;
    }
    fail(CKR_GENERAL_ERROR);
  });
  if (out.bytes) s->end();  // handed over: the operation is done
  return out;
}

void Module::verify_finish(CK_SESSION_HANDLE h, const Call& c, std::optional<ByteView> signature) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto* active = std::get_if<VerifyOp>(&s->op);
  if (!active) fail(CKR_OPERATION_NOT_INITIALIZED);
  VerifyOp o = std::move(*active);
  s->end();  // C_Verify and C_VerifyFinal always end the operation
  if (c.arguments_bad || !signature) fail(CKR_ARGUMENTS_BAD);
  if (c.data && o.updated) fail(CKR_OPERATION_ACTIVE);
  Bytes input = input_of(o, c.data);
  if (!p11::verify(o.mech, *o.key, input, *signature)) fail(CKR_SIGNATURE_INVALID);
}

void Module::digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!std::holds_alternative<DigestOp>(s->op)) fail(CKR_OPERATION_NOT_INITIALIZED);
  ending_on_error(*s, [&] {
    if (!lookup(*s, key)) fail(CKR_KEY_HANDLE_INVALID);
    fail(CKR_KEY_INDIGESTIBLE);  // the card's keys are never revealed; there are no secret keys
  });
}

Bytes Module::generate_random(CK_SESSION_HANDLE h, CK_ULONG len) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (len == 0) return {};
  Bytes r = with_card(*s, [&](Card& c) { return c.random(len); });
  if (r.size() != len) fail(CKR_DEVICE_ERROR);
  return r;
}

bool Module::cancel_operations(CK_SESSION_HANDLE h, CK_FLAGS flags) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  // Nothing runs in parallel with a call on this session (its lock is held), so the operation ends at once
  // when the flags name its kind; message-based operations (CKF_MESSAGE_*) are never active in this module.
  const CK_FLAGS kind = std::visit(
      [](const auto& o) -> CK_FLAGS {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, SignOp>) return CKF_SIGN;
        else if constexpr (std::is_same_v<T, VerifyOp>) return CKF_VERIFY;
        else if constexpr (std::is_same_v<T, EncryptOp>) return CKF_ENCRYPT;
        else if constexpr (std::is_same_v<T, DecryptOp>) return CKF_DECRYPT;
        else if constexpr (std::is_same_v<T, DigestOp>) return CKF_DIGEST;
        else if constexpr (std::is_same_v<T, FindOp>) return CKF_FIND_OBJECTS;
        else return 0;
      },
      s->op);
  if (!(flags & kind)) return false;
  s->end();
  return true;
}
}  // namespace akis::p11
