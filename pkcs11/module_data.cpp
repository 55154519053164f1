// SPDX-License-Identifier: LGPL-2.1-or-later
// Session objects (CKA_TOKEN false): CKO_DATA objects created by the application and session copies of
// objects (C_CopyObject). They live in the session that made them, are visible to every session of the same
// token in this process (CKA_PRIVATE ones only while the user is logged in) and end with their session.
// Data objects on the card itself (a PKCS#15 DODF, CKA_TOKEN true) take the same template steps and are written
// by module_token_data.cpp (docs/pkcs11-conformance.md).
#include <atomic>
#include <cstring>

#include "errors.hpp"
#include "log.hpp"
#include "module.hpp"

namespace akis::p11 {

namespace {

// Session object handles come from their own range, far above the ranges given to tokens (module.cpp gives
// each loaded token 2^20 handles from 1 on), so a handle never names two objects.
std::atomic<CK_OBJECT_HANDLE> g_next_session_object{0xC0000000ul};

constexpr std::size_t kMaxValue = 32768;  // a session object's CKA_VALUE; more is CKR_ATTRIBUTE_VALUE_INVALID

ByteView value_of(const CK_ATTRIBUTE& a) {
  if (!a.pValue && a.ulValueLen) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  if (a.ulValueLen > kMaxValue) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  return ByteView(static_cast<const CK_BYTE*>(a.pValue), a.pValue ? a.ulValueLen : 0);
}

bool bool_of(const CK_ATTRIBUTE& a) {
  ByteView v = value_of(a);
  if (v.size() != 1 || v[0] > 1) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  return v[0] == CK_TRUE;
}

// What C_CreateObject (create), C_CopyObject (copy) and C_SetAttributeValue (set) may give for an object
// of class `cls` (PKCS#11 3.0 sections 4.4, 4.5 and the functions' sections).
enum class Use { Create, Copy, Set };

void apply(Object& o, const CK_ATTRIBUTE& a, Use use) {
  const bool data = o.cls == CKO_DATA;
  switch (a.type) {
    case CKA_CLASS:
      if (use != Use::Create) fail(CKR_ATTRIBUTE_READ_ONLY);
      return;  // checked by the caller
    case CKA_TOKEN:
      if (use == Use::Set) fail(CKR_ATTRIBUTE_READ_ONLY);
      if (bool_of(a)) {
        if (use == Use::Copy || !data) {
          log::info("copies on the card are not offered: CKA_TOKEN true refused");
          fail(CKR_ATTRIBUTE_VALUE_INVALID);
        }
        o.set_bool(CKA_TOKEN, true);  // a data object on the card (create_token_data_object)
      }
      return;
    case CKA_PRIVATE:
      if (use == Use::Set) fail(CKR_ATTRIBUTE_READ_ONLY);
      o.is_private = bool_of(a);
      o.set_bool(CKA_PRIVATE, o.is_private);
      return;
    case CKA_MODIFIABLE:
    case CKA_DESTROYABLE:
      if (use == Use::Set) fail(CKR_ATTRIBUTE_READ_ONLY);
      o.set_bool(a.type, bool_of(a));
      return;
    case CKA_COPYABLE: {
      const bool v = bool_of(a);
      if (use != Use::Create && v && !o.get_bool(CKA_COPYABLE)) fail(CKR_ATTRIBUTE_READ_ONLY);  // TRUE->FALSE only
      o.set_bool(CKA_COPYABLE, v);
      return;
    }
    case CKA_LABEL: o.set(CKA_LABEL, value_of(a)); return;
    case CKA_APPLICATION:
    case CKA_OBJECT_ID:
    case CKA_VALUE:
      if (!data) break;
      o.set(a.type, value_of(a));
      return;
    case CKA_ID:
      if (data || o.cls == CKO_PRIVATE_KEY) break;
      o.set(CKA_ID, value_of(a));
      return;
    default: break;
  }
  if (use == Use::Create || !o.get(a.type)) fail(CKR_ATTRIBUTE_TYPE_INVALID);
  fail(CKR_ATTRIBUTE_READ_ONLY);
}

// A template gives each attribute once, or the same value twice.
void check_consistent(const CK_ATTRIBUTE* tmpl, CK_ULONG n) {
  for (CK_ULONG i = 0; i < n; ++i)
    for (CK_ULONG j = i + 1; j < n; ++j)
      if (tmpl[i].type == tmpl[j].type &&
          (tmpl[i].ulValueLen != tmpl[j].ulValueLen ||
           (tmpl[i].ulValueLen && tmpl[i].pValue && tmpl[j].pValue &&
            std::memcmp(tmpl[i].pValue, tmpl[j].pValue, tmpl[i].ulValueLen) != 0)))
        fail(CKR_TEMPLATE_INCONSISTENT);
}

// `base` with the template applied (create, copy and set share this shape): a template that contradicts itself
// is refused before any attribute is looked at; `base` itself is never changed (readers may hold it).
Object with_template(Object base, Module::Template tpl, Use use) {
  check_consistent(tpl.data(), tpl.size());
  for (auto& a : tpl) apply(base, a, use);
  return base;
}

}  // namespace

CK_OBJECT_HANDLE Module::add_session_object(Session& s, Object o) {
  if (o.is_private && s.token->login() != Login::User) fail(CKR_USER_NOT_LOGGED_IN);
  o.set_bool(CKA_TOKEN, false);
  const CK_OBJECT_HANDLE h = o.handle = g_next_session_object++;
  std::lock_guard g(s.objects_mutex);
  s.objects[h] = std::make_shared<const Object>(std::move(o));
  return h;
}

CK_OBJECT_HANDLE Module::create_data_object(Session& s, const CK_ATTRIBUTE* tmpl, CK_ULONG n) {
  Object o;
  o.cls = CKO_DATA;
  o.set_ulong(CKA_CLASS, CKO_DATA);
  o.set_bool(CKA_TOKEN, false);
  o.set_bool(CKA_PRIVATE, false);
  o.set_bool(CKA_MODIFIABLE, true);
  o.set_bool(CKA_COPYABLE, true);
  o.set_bool(CKA_DESTROYABLE, true);
  o.set_string(CKA_LABEL, "");
  o.set(CKA_APPLICATION, {});
  o.set(CKA_OBJECT_ID, {});
  o.set(CKA_VALUE, {});
  o = with_template(std::move(o), Module::Template(tmpl, n), Use::Create);
  if (o.get_bool(CKA_TOKEN)) return create_token_data_object(s, o);
  return add_session_object(s, std::move(o));
}

CK_OBJECT_HANDLE Module::copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, Template tpl) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto src = object_of(*s, oh);
  if (!src->get_bool(CKA_COPYABLE)) fail(CKR_ACTION_PROHIBITED);
  return add_session_object(*s, with_template(*src, tpl, Use::Copy));
}

void Module::set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, Template tpl) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  auto cur = object_of(*s, oh);
  if (!cur->get_bool(CKA_MODIFIABLE) || (cur->get_bool(CKA_TOKEN) && !cur->card_data)) fail(CKR_ACTION_PROHIBITED);
  Object o = with_template(*cur, tpl, Use::Set);
  if (cur->card_data) return set_token_data_object(*s, oh, *cur, o);
  for (auto& other : sessions_of(*s->token)) {  // replaced whole: a reader holds the old version or the new
    std::lock_guard g(other->objects_mutex);
    if (auto it = other->objects.find(oh); it != other->objects.end()) {
      it->second = std::make_shared<const Object>(std::move(o));
      return;
    }
  }
  fail(CKR_OBJECT_HANDLE_INVALID);  // its session closed meanwhile
}

void Module::destroy_session_object(Session& s, CK_OBJECT_HANDLE oh) {
  for (auto& other : sessions_of(*s.token)) {
    std::lock_guard g(other->objects_mutex);
    if (other->objects.erase(oh)) return;
  }
  fail(CKR_OBJECT_HANDLE_INVALID);
}

}  // namespace akis::p11
