// SPDX-License-Identifier: LGPL-2.1-or-later
#include "module.hpp"

#include <openssl/evp.h>

#include <cstring>

#include "errors.hpp"
#include "log.hpp"

namespace akis::p11 {

// Writing to a real card is off unless the configuration file says `allow_card_writes = yes`: a program that
// merely imports a certificate into "every token" must not change someone's signature card.
void require_writes_allowed(const char* what) {
  if (log::settings().allow_card_writes) return;
  log::info("%s: card writes are off (allow_card_writes = yes in the configuration file)", what);
  fail(CKR_TOKEN_WRITE_PROTECTED);
}

// Objects

bool Module::visible(const Token& t, const Object& o) const { return !o.is_private || t.login() == Login::User; }

std::vector<std::shared_ptr<Session>> Module::sessions_of(const Token& t) {
  std::lock_guard g(lock_);
  std::vector<std::shared_ptr<Session>> out;
  for (auto& [h, s] : sessions_)
    if (s->token.get() == &t) out.push_back(s);
  return out;
}

std::shared_ptr<const Object> Module::lookup(Session& s, CK_OBJECT_HANDLE h) {
  std::shared_ptr<const Object> o;
  if (const Object* t = s.token->object(h)) {
    o = std::shared_ptr<const Object>(s.token, t);  // lives as long as the token
  } else {
    for (auto& other : sessions_of(*s.token)) {
      std::lock_guard g(other->objects_mutex);
      if (auto it = other->objects.find(h); it != other->objects.end()) o = it->second;
    }
  }
  if (!o || !visible(*s.token, *o)) return nullptr;
  return o;
}

std::shared_ptr<const Object> Module::object_of(Session& s, CK_OBJECT_HANDLE h) {
  auto o = lookup(s, h);
  if (!o) fail(CKR_OBJECT_HANDLE_INVALID);
  return o;
}

std::vector<Object::Value> Module::get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, Template tmpl) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto o = object_of(*s, oh);
  std::vector<Object::Value> values;
  values.reserve(tmpl.size());
  for (const CK_ATTRIBUTE& a : tmpl) values.push_back(o->value_of(a.type));
  return values;
}

CK_ULONG Module::object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  CK_ULONG size = 0;
  for (auto& [t, v] : object_of(*s, oh)->attrs) size += v.size();
  return size;
}

void Module::find_init(CK_SESSION_HANDLE h, Template tmpl) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!s->idle()) fail(CKR_OPERATION_ACTIVE);
  // Data objects on the card are read the first time a search may match them.
  const CK_ATTRIBUTE* cls = nullptr;
  for (auto& a : tmpl)
    if (a.type == CKA_CLASS) cls = &a;
  CK_OBJECT_CLASS data = CKO_DATA;
  if (!cls || (cls->ulValueLen == sizeof data && cls->pValue && std::memcmp(cls->pValue, &data, sizeof data) == 0))
    watching_removal(s->token, [&] { s->token->load_data_objects(); });
  const Token& t = *s->token;
  auto found = t.find([&](const Object& o) { return visible(t, o) && o.matches(tmpl.data(), tmpl.size()); });
  for (auto& other : sessions_of(t)) {
    std::lock_guard g(other->objects_mutex);
    for (auto& [oh, o] : other->objects)
      if (visible(t, *o) && o->matches(tmpl.data(), tmpl.size())) found.push_back(oh);
  }
  s->op = FindOp{std::move(found), 0};
}

std::vector<CK_OBJECT_HANDLE> Module::find(CK_SESSION_HANDLE h, CK_ULONG max) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto* f = std::get_if<FindOp>(&s->op);
  if (!f) fail(CKR_OPERATION_NOT_INITIALIZED);
  std::vector<CK_OBJECT_HANDLE> out;
  while (out.size() < max && f->pos < f->handles.size()) out.push_back(f->handles[f->pos++]);
  return out;
}

void Module::find_final(CK_SESSION_HANDLE h) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!std::holds_alternative<FindOp>(s->op)) fail(CKR_OPERATION_NOT_INITIALIZED);
  s->end();
}

namespace {
const CK_ATTRIBUTE* attribute(const CK_ATTRIBUTE* tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE type) {
  for (CK_ULONG i = 0; i < n; ++i)
    if (tmpl[i].type == type) {
      if (!tmpl[i].pValue && tmpl[i].ulValueLen) fail(CKR_ARGUMENTS_BAD);
      return &tmpl[i];
    }
  return nullptr;
}
template <class T>
std::optional<T> scalar(const CK_ATTRIBUTE* tmpl, CK_ULONG n, CK_ATTRIBUTE_TYPE type) {
  const CK_ATTRIBUTE* a = attribute(tmpl, n, type);
  if (!a) return std::nullopt;
  if (a->ulValueLen != sizeof(T)) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  T v;
  std::memcpy(&v, a->pValue, sizeof v);
  return v;
}
}  // namespace

CK_OBJECT_HANDLE Module::create_object(CK_SESSION_HANDLE h, Template tpl) {
  const CK_ATTRIBUTE* tmpl = tpl.data();
  const CK_ULONG n = tpl.size();
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  // What the card can store: X.509 certificates, as token objects, after the user logged in.
  auto cls = scalar<CK_OBJECT_CLASS>(tmpl, n, CKA_CLASS);
  if (!cls) fail(CKR_TEMPLATE_INCOMPLETE);
  if (*cls == CKO_DATA) return create_data_object(*s, tmpl, n);
  if (*cls != CKO_CERTIFICATE) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  if (auto type = scalar<CK_CERTIFICATE_TYPE>(tmpl, n, CKA_CERTIFICATE_TYPE); type && *type != CKC_X_509)
    fail(CKR_ATTRIBUTE_VALUE_INVALID);
  if (auto token = scalar<CK_BBOOL>(tmpl, n, CKA_TOKEN); token && *token != CK_TRUE)
    fail(CKR_ATTRIBUTE_VALUE_INVALID);  // session objects are not offered
  if (auto priv = scalar<CK_BBOOL>(tmpl, n, CKA_PRIVATE); priv && *priv == CK_TRUE) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  const CK_ATTRIBUTE* value = attribute(tmpl, n, CKA_VALUE);
  if (!value || value->ulValueLen == 0) fail(CKR_TEMPLATE_INCOMPLETE);
  ByteView der(static_cast<const CK_BYTE*>(value->pValue), value->ulValueLen);
  if (der.size() > 8192) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  auto facts = inspect_certificate(der);
  if (!facts) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  if (!(s->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  require_writes_allowed("C_CreateObject");
  if (s->token->login() != Login::User) fail(CKR_USER_NOT_LOGGED_IN);
  Bytes id;
  if (const CK_ATTRIBUTE* a = attribute(tmpl, n, CKA_ID)) {
    id.assign(static_cast<const CK_BYTE*>(a->pValue), static_cast<const CK_BYTE*>(a->pValue) + a->ulValueLen);
  } else {  // the ID of the card key it certifies, so applications pair them; a hash of the key otherwise
    const Token& t = *s->token;
    auto keys = t.find([&](const Object& o) { return o.cls == CKO_PUBLIC_KEY && o.spki == facts->spki; });
    if (!keys.empty()) id = *t.object(keys.front())->get(CKA_ID);
    else id = digest(EVP_sha1(), facts->spki);
  }
  if (id.empty() || id.size() > 64) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  std::string label = facts->common_name;
  if (const CK_ATTRIBUTE* a = attribute(tmpl, n, CKA_LABEL))
    label.assign(static_cast<const char*>(a->pValue), a->ulValueLen);
  if (label.size() > 120) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  return with_card(*s, [&](Card&) { return s->token->add_certificate(label, id, facts->is_ca, der); });
}

void Module::destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto held = object_of(*s, oh);
  const Object& o = *held;
  if (!o.get_bool(CKA_DESTROYABLE)) fail(CKR_ACTION_PROHIBITED);
  if (!o.get_bool(CKA_TOKEN)) return destroy_session_object(*s, oh);
  if (!(s->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  require_writes_allowed("C_DestroyObject");
  if (o.card_data) return destroy_token_data_object(*s, oh);
  // Never destroyed: the certificate of a private key on the card, and the issuer's certificate (a CA certificate
  // that issued one of those).
  const Token& t = *s->token;
  const Bytes* id = o.get(CKA_ID);
  const Bytes* subject = o.get(CKA_SUBJECT);
  auto key_ids = t.find([](const Object& x) { return x.cls == CKO_PRIVATE_KEY; });
  for (auto kh : key_ids) {
    const Bytes* kid = t.object(kh)->get(CKA_ID);
    if (id && kid && *kid == *id) fail(CKR_ACTION_PROHIBITED);
    for (auto ch : t.find([&](const Object& x) { return x.cls == CKO_CERTIFICATE && kid && x.get(CKA_ID) &&
                                                        *x.get(CKA_ID) == *kid; })) {
      const Bytes* issuer = t.object(ch)->get(CKA_ISSUER);
      if (subject && issuer && *issuer == *subject && t.object(ch) != &o) fail(CKR_ACTION_PROHIBITED);
    }
  }
  if (s->token->login() != Login::User) fail(CKR_USER_NOT_LOGGED_IN);
  with_card(*s, [&](Card&) { s->token->remove_certificate(oh); });
}
}  // namespace akis::p11
