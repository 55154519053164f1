#include "module.hpp"

#include <cstring>

#include "errors.hpp"

namespace akis::p11 {

// Cryptographic operations

std::optional<Operation>& Module::op_slot(Session& s, Op op) {
  switch (op) {
    case Op::Sign: return s.sign;
    case Op::Verify: return s.verify;
    case Op::Encrypt: return s.encrypt;
    case Op::Decrypt: return s.decrypt;
    case Op::Digest: return s.digest;
  }
  fail(CKR_GENERAL_ERROR);
}

void Module::op_init(Op op, CK_SESSION_HANDLE h, const CK_MECHANISM* m, CK_OBJECT_HANDLE key) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto& slot = op_slot(*s, op);
  if (slot) fail(CKR_OPERATION_ACTIVE);
  Operation o;
  if (op == Op::Digest) {
    o.mech = parse_mechanism(m, CKF_DIGEST, nullptr);
    o.hash = std::make_unique<Hash>(o.mech.hash);
    slot = std::move(o);
    return;
  }
  const Object* k = s->token->object(key);
  if (!k || !visible(*s->token, *k)) fail(CKR_KEY_HANDLE_INVALID);
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
  o.mech = parse_mechanism(m, need.flag, k);
  o.key = k;
  if (o.mech.hash) o.hash = std::make_unique<Hash>(o.mech.hash);
  slot = std::move(o);
}

void Module::op_update(Op op, CK_SESSION_HANDLE h, ByteView part) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto& slot = op_slot(*s, op);
  if (!slot) fail(CKR_OPERATION_NOT_INITIALIZED);
  if (slot->hash) {
    slot->hash->update(part);
    return;
  }
  if (slot->buffer.size() + part.size() > 8192) {
    slot.reset();
    fail(CKR_DATA_LEN_RANGE);
  }
  append(slot->buffer, part);
}

namespace {
// Size-query convention: a NULL buffer asks the length; a short buffer gets CKR_BUFFER_TOO_SMALL.
// Both keep the operation active. Returns true when the caller's buffer takes `size` bytes.
bool fits(CK_BYTE* out, CK_ULONG* out_len, std::size_t size) {
  if (!out) {
    *out_len = size;
    return false;
  }
  if (*out_len < size) {
    *out_len = size;
    throw Rv{CKR_BUFFER_TOO_SMALL};
  }
  return true;
}
void deliver(ByteView data, CK_BYTE* out, CK_ULONG* out_len) {
  if (!data.empty()) std::memcpy(out, data.data(), data.size());
  *out_len = data.size();
}
}  // namespace

void Module::op_output(Op op, CK_SESSION_HANDLE h, std::optional<ByteView> data, CK_BYTE* out, CK_ULONG* out_len) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto& slot = op_slot(*s, op);
  if (!slot) fail(CKR_OPERATION_NOT_INITIALIZED);
  Operation& o = *slot;
  // Any error other than a size question ends the operation.
  struct EndOnError {
    std::optional<Operation>& slot;
    bool keep = false;
    ~EndOnError() {
      if (!keep) slot.reset();
    }
  } end{slot};
  try {
    if (o.result) {  // an earlier call produced it; only the caller's buffer was short
      if (!fits(out, out_len, o.result->size())) {
        end.keep = true;
        return;
      }
      deliver(*o.result, out, out_len);
      return;
    }
    auto input = [&]() -> Bytes {
      if (o.hash) {
        if (data) o.hash->update(*data);
        return o.hash->final();
      }
      if (data) append(o.buffer, *data);
      return std::move(o.buffer);
    };
    switch (op) {
      case Op::Digest: {
        if (!fits(out, out_len, o.hash->size())) {
          end.keep = true;
          return;
        }
        Bytes d = input();
        deliver(d, out, out_len);
        return;
      }
      case Op::Sign: {
        if (!fits(out, out_len, signature_size(*o.key))) {
          end.keep = true;
          return;
        }
        if (o.key->get_bool(CKA_ALWAYS_AUTHENTICATE) && !o.context_login) fail(CKR_USER_NOT_LOGGED_IN);
        Bytes in = card_sign_input(o.mech, *o.key, input());
        Bytes sig = with_card(*s, [&](Card& c) { return c.sign(*o.key->key, in); });
        if (sig.size() != signature_size(*o.key)) fail(CKR_DEVICE_ERROR);
        deliver(sig, out, out_len);
        return;
      }
      case Op::Encrypt: {
        Bytes ct = encrypt(o.mech, *o.key, input());
        o.result = std::move(ct);
        if (!fits(out, out_len, o.result->size())) {
          end.keep = true;
          return;
        }
        deliver(*o.result, out, out_len);
        return;
      }
      case Op::Decrypt: {
        std::size_t k = o.key->get(CKA_MODULUS)->size();
        if (!out) {
          *out_len = k;  // an upper bound: the exact size is known after the card deciphers
          end.keep = true;
          return;
        }
        if (o.key->get_bool(CKA_ALWAYS_AUTHENTICATE) && !o.context_login) fail(CKR_USER_NOT_LOGGED_IN);
        Bytes ct = input();
        if (ct.size() != k) fail(CKR_ENCRYPTED_DATA_LEN_RANGE);
        Bytes block = with_card(*s, [&](Card& c) { return c.decipher(*o.key->key, ct); });
        Bytes plain = unpad_decrypted(o.mech, *o.key, block);
        secure_wipe(block.data(), block.size());
        o.result = std::move(plain);
        if (*out_len < o.result->size()) {
          *out_len = o.result->size();
          end.keep = true;
          fail(CKR_BUFFER_TOO_SMALL);
        }
        deliver(*o.result, out, out_len);
        secure_wipe(o.result->data(), o.result->size());
        return;
      }
      case Op::Verify: fail(CKR_GENERAL_ERROR);
    }
  } catch (const Rv& r) {
    if (r.rv == CKR_BUFFER_TOO_SMALL) end.keep = true;
    throw;
  }
}

void Module::verify_finish(CK_SESSION_HANDLE h, std::optional<ByteView> data, ByteView signature) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!s->verify) fail(CKR_OPERATION_NOT_INITIALIZED);
  Operation o = std::move(*s->verify);
  s->verify.reset();
  Bytes input;
  if (o.hash) {
    if (data) o.hash->update(*data);
    input = o.hash->final();
  } else {
    if (data) append(o.buffer, *data);
    input = std::move(o.buffer);
  }
  if (!p11::verify(o.mech, *o.key, input, signature)) fail(CKR_SIGNATURE_INVALID);
}

void Module::generate_random(CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG len) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (len == 0) return;
  Bytes r = with_card(*s, [&](Card& c) { return c.random(len); });
  std::memcpy(out, r.data(), len);
}

void Module::cancel_operations(CK_SESSION_HANDLE h) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  s->sign.reset();
  s->verify.reset();
  s->encrypt.reset();
  s->decrypt.reset();
  s->digest.reset();
  s->find.reset();
}
}  // namespace akis::p11
