// SPDX-License-Identifier: LGPL-2.1-or-later
// C_CreateObject, C_SetAttributeValue and C_DestroyObject of data objects on the card (CKA_TOKEN true, a PKCS#15
// DODF). The template was applied by module_data.cpp; here: what the card's directory can record, then the
// session, the write switch and the login, then the card (Token -> Card).
#include "errors.hpp"
#include "log.hpp"
#include "module.hpp"
#include "akis/tlv.hpp"

namespace akis::p11 {

namespace {

constexpr std::size_t kMaxCardValue = 8192;  // CKA_VALUE of a data object on the card (as certificates)
constexpr std::size_t kMaxText = 120;        // CKA_LABEL, CKA_APPLICATION

[[noreturn]] void refuse(const char* why) {
  log::info("data object on the card refused: %s", why);
  fail(CKR_ATTRIBUTE_VALUE_INVALID);
}

std::string text_of(const Object& o, CK_ATTRIBUTE_TYPE t) {
  const Bytes* v = o.get(t);
  if (v && v->size() > kMaxText) refuse("CKA_LABEL or CKA_APPLICATION longer than 120 bytes");
  return v ? std::string(v->begin(), v->end()) : std::string();
}

// applicationOID is an OBJECT IDENTIFIER. CKA_OBJECT_ID is its DER; the content octets alone (what OpenSC's
// pkcs11-tool sends for --application-id) are taken too and stored as DER.
Bytes der_oid(const Bytes& given) {
  try {
    std::size_t used = 0;
    Tlv t = parse_tlv(given, used);
    if (t.tag == 0x06 && !t.value.empty() && used == given.size()) return given;
  } catch (const CardError&) {
  }
  // Content octets: subidentifiers in base 128, none starting with 80, the last byte ending one.
  bool start = true;
  for (auto b : given) {
    if (start && b == 0x80) refuse("CKA_OBJECT_ID is not an OBJECT IDENTIFIER");
    start = !(b & 0x80);
  }
  if (!start || given.size() > 127) refuse("CKA_OBJECT_ID is not an OBJECT IDENTIFIER");
  return encode_tlv(0x06, given);
}

// The DODF description of `o` (label, application, object identifier); the value's size checked.
DataObjectInfo card_fields(const Object& o) {
  DataObjectInfo d;
  d.label = text_of(o, CKA_LABEL);
  d.application = text_of(o, CKA_APPLICATION);
  if (const Bytes* oid = o.get(CKA_OBJECT_ID); oid && !oid->empty()) d.oid = der_oid(*oid);
  const Bytes* value = o.get(CKA_VALUE);
  if (value && value->size() > kMaxCardValue) refuse("CKA_VALUE longer than 8192 bytes");
  return d;
}

// Writes need a read-write session, the configuration's permission and the user's login (the card wants the PIN).
void check_write(Session& s, const char* what) {
  if (!(s.flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  require_writes_allowed(what);
  if (s.token->login() != Login::User) fail(CKR_USER_NOT_LOGGED_IN);
}

}  // namespace

CK_OBJECT_HANDLE Module::create_token_data_object(Session& s, const Object& o) {
  if (o.is_private) {
    // The access rules a real card gives a new file are not known: a "private" object might be readable by all.
    log::info("C_CreateObject: private data objects on the card are not offered (CKA_PRIVATE with CKA_TOKEN)");
    fail(CKR_TEMPLATE_INCONSISTENT);
  }
  if (!o.get_bool(CKA_COPYABLE) || !o.get_bool(CKA_DESTROYABLE)) {
    refuse("the card's directory cannot record CKA_COPYABLE or CKA_DESTROYABLE false");
  }
  DataObjectInfo info = card_fields(o);
  if (!s.token->has_dodf()) {
    // Adding a DODF means rewriting the ODF, which names every directory of the card: not done.
    refuse("the card has no data object directory (DODF)");
  }
  check_write(s, "C_CreateObject");
  const PinInfo* pin = s.token->profile().user_pin();
  if (pin) info.auth_id = pin->auth_id;  // the directory says the PIN protects its changes
  info.modifiable = o.get_bool(CKA_MODIFIABLE);
  return watching_removal(s.token, [&] { return s.token->add_data_object(info, *o.get(CKA_VALUE)); });
}

void Module::set_token_data_object(Session& s, CK_OBJECT_HANDLE h, const Object& cur, const Object& changed) {
  DataObjectInfo info = card_fields(changed);
  const DataObjectInfo& old = *cur.card_data;
  info.auth_id = old.auth_id;
  info.modifiable = old.modifiable;
  check_write(s, "C_SetAttributeValue");
  const bool value_changed = *changed.get(CKA_VALUE) != *cur.get(CKA_VALUE);
  if (!value_changed && info.label == old.label && info.application == old.application && info.oid == old.oid)
    return;  // nothing to write
  std::optional<ByteView> value;
  if (value_changed) value = ByteView(*changed.get(CKA_VALUE));
  watching_removal(s.token, [&] { s.token->update_data_object(h, info, value); });
}

void Module::destroy_token_data_object(Session& s, CK_OBJECT_HANDLE h) {
  if (s.token->login() != Login::User) fail(CKR_USER_NOT_LOGGED_IN);
  watching_removal(s.token, [&] { s.token->remove_data_object(h); });
}

}  // namespace akis::p11
