#include "module.hpp"

#include <unistd.h>

#include <openssl/evp.h>

#include <cstring>

#include "errors.hpp"
#include "log.hpp"
#include "login_registry.hpp"

namespace akis::p11 {

// ---------------------------------------------------------------------------------------------
// Module life cycle

namespace {
std::mutex g_init_mutex;
std::shared_ptr<Module> g_module;
pid_t g_module_pid = 0;
std::unique_ptr<Backend> (*g_backend_factory)() = &make_pcsc_backend;

void pad(CK_UTF8CHAR* field, std::size_t size, const std::string& text) {
  std::memset(field, ' ', size);
  std::memcpy(field, text.data(), std::min(size, text.size()));
}
}  // namespace

void set_backend_factory(std::unique_ptr<Backend> (*factory)()) { g_backend_factory = factory; }

std::shared_ptr<Module> current_module() {
  std::lock_guard lock(g_init_mutex);
  if (!g_module || g_module_pid != ::getpid()) return nullptr;
  return g_module;
}

CK_RV initialize_module(const CK_C_INITIALIZE_ARGS* args) {
  std::lock_guard lock(g_init_mutex);
  if (g_module && g_module_pid == ::getpid()) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  if (g_module) {
    // A forked child: the parent's PC/SC handles are not ours to close. Leave them be.
    new std::shared_ptr<Module>(std::move(g_module));
  }
  if (args) {
    if (args->pReserved) return CKR_ARGUMENTS_BAD;
    int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) + (args->LockMutex != nullptr) +
                (args->UnlockMutex != nullptr);
    if (given != 0 && given != 4) return CKR_ARGUMENTS_BAD;
  }
  log::configure();
  return guarded("C_Initialize", [&] {
    g_module = std::make_shared<Module>(args, g_backend_factory());
    g_module_pid = ::getpid();
    log::info("initialised (pid %d)", static_cast<int>(g_module_pid));
  });
}

CK_RV finalize_module() {
  std::shared_ptr<Module> m;
  {
    std::lock_guard lock(g_init_mutex);
    if (!g_module || g_module_pid != ::getpid()) return CKR_CRYPTOKI_NOT_INITIALIZED;
    m = std::move(g_module);
    g_module.reset();
  }
  m->finalize();  // wakes a waiting C_WaitForSlotEvent
  return CKR_OK;
}

StateLock::StateLock(const CK_C_INITIALIZE_ARGS* args) {
  if (args && args->CreateMutex && !(args->flags & CKF_OS_LOCKING_OK)) {
    app_ = *args;
    if (app_.CreateMutex(&app_mutex_) != CKR_OK) throw Rv{CKR_CANT_LOCK};
  }
}
StateLock::~StateLock() {
  if (app_mutex_) app_.DestroyMutex(app_mutex_);
}
void StateLock::lock() {
  if (app_mutex_) {
    if (app_.LockMutex(app_mutex_) != CKR_OK) throw Rv{CKR_CANT_LOCK};
  } else {
    os_.lock();
  }
}
void StateLock::unlock() {
  if (app_mutex_) app_.UnlockMutex(app_mutex_);
  else os_.unlock();
}

Module::Module(const CK_C_INITIALIZE_ARGS* args, std::unique_ptr<Backend> backend)
    : lock_(args), backend_(std::move(backend)) {
  std::lock_guard g(lock_);
  refresh_locked();
  for (auto& [id, s] : slots_) s.reported = s.state;
}

Module::~Module() = default;

void Module::finalize() {
  {
    std::lock_guard g(lock_);
    finalized_ = true;
    sessions_.clear();
    for (auto& [id, s] : slots_) {
      if (s.token && s.token->login() != Login::None) {
        try {
          s.token->logout_card();  // the application ends: it is logged out, on the card too
        } catch (const std::exception&) {
        }
      }
      s.token.reset();
    }
  }
  backend_->cancel_wait();
}

CK_INFO Module::info() {
  CK_INFO i{};
  i.cryptokiVersion = {2, 40};
  pad(i.manufacturerID, sizeof i.manufacturerID, "Open AKIS Middleware");
  pad(i.libraryDescription, sizeof i.libraryDescription, "AKIS PKCS#11 module");
  i.libraryVersion = {0, 1};
  return i;
}

// ---------------------------------------------------------------------------------------------
// Slots

void Module::refresh_locked() {
  auto states = backend_->readers();
  for (auto& [id, s] : slots_) s.reader_present = false;
  for (auto& st : states) {
    Slot* slot = nullptr;
    for (auto& [id, s] : slots_)
      if (s.reader == st.name) slot = &s;
    if (!slot) {  // a new reader: a new slot ID, never reused in this process
      Slot s;
      s.id = next_slot_++;
      s.reader = st.name;
      s.reported.name = st.name;
      slot = &slots_.emplace(s.id, std::move(s)).first->second;
    }
    slot->reader_present = true;
    slot->state = st;
    if (!st.present || st.event_count != slot->token_event) {
      if (slot->token || slot->unrecognized) drop_token_locked(*slot);
    }
  }
  for (auto& [id, s] : slots_)
    if (!s.reader_present) {
      s.state.present = false;
      if (s.token || s.unrecognized) drop_token_locked(s);
    }
}

void Module::drop_token_locked(Slot& s) {
  if (s.token) log::info("slot %lu: card removed", static_cast<unsigned long>(s.id));
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = it->second->slot == s.id ? sessions_.erase(it) : std::next(it);
  s.token.reset();
  s.unrecognized = false;
  s.token_event = ~0ul;
}

Slot& Module::slot_locked(CK_SLOT_ID id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) fail(CKR_SLOT_ID_INVALID);
  return it->second;
}

std::shared_ptr<Token> Module::token_for(CK_SLOT_ID id) {
  std::shared_ptr<std::mutex> loading;
  std::string reader;
  unsigned long event = 0;
  {
    std::lock_guard g(lock_);
    refresh_locked();
    Slot& s = slot_locked(id);
    if (!s.state.present) fail(CKR_TOKEN_NOT_PRESENT);
    if (s.token) return s.token;
    if (s.unrecognized) fail(CKR_TOKEN_NOT_RECOGNIZED);
    loading = s.loading;
    reader = s.reader;
    event = s.state.event_count;
  }
  // Card I/O (reading the profile and certificates) happens outside the module lock.
  std::lock_guard load(*loading);
  {
    std::lock_guard g(lock_);
    Slot& s = slot_locked(id);
    if (s.token && s.token_event == event) return s.token;
    if (s.unrecognized && s.token_event == event) fail(CKR_TOKEN_NOT_RECOGNIZED);
  }
  std::shared_ptr<Token> token;
  bool unrecognized = false;
  CK_OBJECT_HANDLE first;
  {
    std::lock_guard g(lock_);
    first = next_object_;
    next_object_ += 1 << 20;  // room for the card's objects and the certificates written to it later
  }
  try {
    token = std::make_shared<Token>(backend_->connect(reader), id, first);
  } catch (const CardError& e) {
    if (e.code() == Err::FileNotFound || e.code() == Err::NotSupported) unrecognized = true;
    else if (e.code() == Err::NoCard || e.code() == Err::CardRemoved) fail(CKR_TOKEN_NOT_PRESENT);
    else throw;
    log::info("slot %lu: not an AKIS e-signature card (%s)", static_cast<unsigned long>(id), e.what());
  }
  std::lock_guard g(lock_);
  Slot& s = slot_locked(id);
  s.token_event = event;
  if (unrecognized) {
    s.unrecognized = true;
    fail(CKR_TOKEN_NOT_RECOGNIZED);
  }
  s.token = token;
  return token;
}

std::vector<CK_SLOT_ID> Module::slot_list(bool token_present) {
  std::lock_guard g(lock_);
  refresh_locked();
  std::vector<CK_SLOT_ID> out;
  for (auto& [id, s] : slots_)
    if (s.reader_present && (!token_present || s.state.present)) out.push_back(id);
  return out;
}

CK_SLOT_INFO Module::slot_info(CK_SLOT_ID id) {
  std::lock_guard g(lock_);
  refresh_locked();
  Slot& s = slot_locked(id);
  CK_SLOT_INFO si{};
  pad(si.slotDescription, sizeof si.slotDescription, s.reader);
  pad(si.manufacturerID, sizeof si.manufacturerID, "PC/SC");
  si.flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT | (s.state.present ? CKF_TOKEN_PRESENT : 0);
  si.hardwareVersion = {0, 0};
  si.firmwareVersion = {0, 0};
  return si;
}

CK_TOKEN_INFO Module::token_info(CK_SLOT_ID id) {
  auto t = token_for(id);
  try {
    return t->info();
  } catch (const CardError& e) {
    if (e.code() == Err::CardRemoved) card_gone(t);
    throw;
  }
}

std::vector<CK_MECHANISM_TYPE> Module::mechanism_list(CK_SLOT_ID id) {
  auto t = token_for(id);
  bool rsa = false, ec = false;
  for (auto& k : t->profile().private_keys) (k.type == KeyType::Rsa ? rsa : ec) = true;
  std::vector<CK_MECHANISM_TYPE> out;
  for (auto& m : all_mechanisms()) {
    bool for_ec = m.kind == Kind::Ecdsa;
    if (m.kind == Kind::Digest || (for_ec ? ec : rsa)) out.push_back(m.type);
  }
  return out;
}

CK_MECHANISM_INFO Module::mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type) {
  auto t = token_for(id);
  const MechanismSpec* m = find_mechanism(type);
  if (!m) fail(CKR_MECHANISM_INVALID);
  CK_MECHANISM_INFO mi{};
  mi.flags = m->flags;
  if (m->kind == Kind::Digest) return mi;
  bool any = false;
  for (auto& k : t->profile().private_keys) {
    if ((k.type == KeyType::Ec) != (m->kind == Kind::Ecdsa)) continue;
    mi.ulMinKeySize = any ? std::min<CK_ULONG>(mi.ulMinKeySize, k.bits) : k.bits;
    mi.ulMaxKeySize = std::max<CK_ULONG>(mi.ulMaxKeySize, k.bits);
    any = true;
  }
  if (!any) fail(CKR_MECHANISM_INVALID);
  return mi;
}

CK_SLOT_ID Module::wait_for_slot_event(bool dont_block) {
  for (;;) {
    std::vector<pcsc::ReaderState> known;
    {
      std::lock_guard g(lock_);
      if (finalized_) fail(CKR_CRYPTOKI_NOT_INITIALIZED);
      refresh_locked();
      for (auto& [id, s] : slots_) {
        bool now_present = s.reader_present && s.state.present;
        bool changed = now_present != s.reported.present ||
                       (now_present && s.state.event_count != s.reported.event_count);
        if (changed) {
          s.reported = s.state;
          s.reported.present = now_present;
          return id;
        }
        if (s.reader_present) known.push_back(s.state);
      }
    }
    if (dont_block) fail(CKR_NO_EVENT);
    backend_->wait_for_change(known, std::chrono::milliseconds(-1));
    std::lock_guard g(lock_);
    if (finalized_) fail(CKR_CRYPTOKI_NOT_INITIALIZED);
  }
}

// ---------------------------------------------------------------------------------------------
// Sessions

std::shared_ptr<Session> Module::session(CK_SESSION_HANDLE h) {
  std::lock_guard g(lock_);
  auto it = sessions_.find(h);
  if (it == sessions_.end()) fail(CKR_SESSION_HANDLE_INVALID);
  return it->second;
}

void Module::card_gone(const std::shared_ptr<Token>& t) {
  std::lock_guard g(lock_);
  for (auto& [id, s] : slots_)
    if (s.token == t) drop_token_locked(s);
}

// Runs card I/O for a session; a removed card closes every session of its slot.
template <class F>
decltype(auto) Module::with_card(Session& s, F&& fn) {
  try {
    return s.token->io(std::forward<F>(fn));
  } catch (const CardError& e) {
    if (e.code() == Err::CardRemoved || e.code() == Err::NoCard) card_gone(s.token);
    if (e.code() == Err::SecurityStatus || e.code() == Err::CardReset) s.token->set_login(Login::None);
    throw;
  }
}

CK_SESSION_HANDLE Module::open_session(CK_SLOT_ID id, CK_FLAGS flags) {
  if (!(flags & CKF_SERIAL_SESSION)) fail(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
  auto t = token_for(id);
  std::lock_guard g(lock_);
  if (!(flags & CKF_RW_SESSION) && t->login() == Login::SO) fail(CKR_SESSION_READ_WRITE_SO_EXISTS);
  auto s = std::make_shared<Session>();
  s->handle = next_session_++;
  s->slot = id;
  s->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
  s->token = t;
  sessions_[s->handle] = s;
  return s->handle;
}

void Module::close_session(CK_SESSION_HANDLE h) {
  std::shared_ptr<Token> t;
  {
    std::lock_guard g(lock_);
    auto it = sessions_.find(h);
    if (it == sessions_.end()) fail(CKR_SESSION_HANDLE_INVALID);
    t = it->second->token;
    sessions_.erase(it);
    for (auto& [sh, s] : sessions_)
      if (s->token == t) return;
  }
  // The last session of the token: the application is logged out (also on the card).
  if (t->login() != Login::None) {
    t->set_login(Login::None);
    try {
      t->logout_card();
    } catch (const CardError&) {
    }
  }
}

void Module::close_all_sessions(CK_SLOT_ID id) {
  std::vector<CK_SESSION_HANDLE> hs;
  {
    std::lock_guard g(lock_);
    slot_locked(id);
    for (auto& [h, s] : sessions_)
      if (s->slot == id) hs.push_back(h);
  }
  for (auto h : hs) {
    try {
      close_session(h);
    } catch (const Rv&) {
    }
  }
}

CK_SESSION_INFO Module::session_info(CK_SESSION_HANDLE h) {
  auto s = session(h);
  CK_SESSION_INFO si{};
  si.slotID = s->slot;
  si.flags = s->flags;
  const bool rw = s->flags & CKF_RW_SESSION;
  switch (s->token->login()) {
    case Login::User: si.state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS; break;
    case Login::SO: si.state = CKS_RW_SO_FUNCTIONS; break;
    case Login::None: si.state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION; break;
  }
  return si;
}

namespace {
void check_pin_format(const PinInfo& pin, const Secret& value) {
  if (value.size() < pin.min_length || value.size() > pin.max_length) fail(CKR_PIN_LEN_RANGE);
  if (!value.all_digits()) fail(CKR_PIN_INVALID);
}
}  // namespace

void Module::login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const Secret& pin) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  Token& t = *s->token;
  const PinInfo* user_pin = t.profile().user_pin();
  if (user == CKU_CONTEXT_SPECIFIC) {
    Operation* op = s->sign ? &*s->sign : s->decrypt ? &*s->decrypt : nullptr;
    if (!op) fail(CKR_OPERATION_NOT_INITIALIZED);
    if (t.login() != Login::User) fail(CKR_USER_NOT_LOGGED_IN);
    check_pin_format(*user_pin, pin);
    with_card(*s, [&](Card& c) { c.verify(*user_pin, pin); });
    op->context_login = true;
    t.pin_state_changed();
    return;
  }
  if (user != CKU_USER && user != CKU_SO) fail(CKR_USER_TYPE_INVALID);
  if (t.login() == (user == CKU_USER ? Login::User : Login::SO)) fail(CKR_USER_ALREADY_LOGGED_IN);
  if (t.login() != Login::None) fail(CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
  const PinInfo* pi = user_pin;
  if (user == CKU_SO) {
    pi = t.profile().puk();
    if (!pi) fail(CKR_USER_TYPE_INVALID);  // post-2011 cards: no PUK, unblocked online by the issuer
    std::lock_guard g(lock_);
    for (auto& [sh, other] : sessions_)
      if (other->token == s->token && !(other->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY_EXISTS);
  }
  check_pin_format(*pi, pin);
  login_registry::enter(t.profile().card_serial);  // before the VERIFY: see login_registry.hpp
  try {
    with_card(*s, [&](Card& c) { c.verify(*pi, pin); });
  } catch (const CardError&) {
    login_registry::leave_is_last(t.profile().card_serial);
    t.pin_state_changed();
    throw;
  }
  t.pin_state_changed();
  t.set_login(user == CKU_USER ? Login::User : Login::SO);
}

void Module::logout(CK_SESSION_HANDLE h) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (s->token->login() == Login::None) fail(CKR_USER_NOT_LOGGED_IN);
  s->token->set_login(Login::None);
  {
    std::lock_guard g(lock_);
    for (auto& [sh, other] : sessions_)
      if (other->token == s->token) other->find.reset();
  }
  with_card(*s, [&](Card&) { s->token->logout_card(); });
}

void Module::init_pin(CK_SESSION_HANDLE h, const Secret& pin) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (s->token->login() != Login::SO) fail(CKR_USER_NOT_LOGGED_IN);
  if (!(s->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  const PinInfo* user_pin = s->token->profile().user_pin();
  check_pin_format(*user_pin, pin);
  // The PUK was verified by C_Login(CKU_SO): RESET RETRY COUNTER with the new PIN only.
  with_card(*s, [&](Card& c) {
    c.locked([&](AkisCommands& cmds) { cmds.unblock_authorised(user_pin->reference, pin); });
  });
  s->token->pin_state_changed();
}

void Module::set_pin(CK_SESSION_HANDLE h, const Secret& old_pin, const Secret& new_pin) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!(s->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  const PinInfo* pi = s->token->login() == Login::SO ? s->token->profile().puk() : s->token->profile().user_pin();
  check_pin_format(*pi, new_pin);
  if (old_pin.size() < pi->min_length || old_pin.size() > pi->max_length) fail(CKR_PIN_INCORRECT);
  try {
    with_card(*s, [&](Card& c) { c.change_pin(*pi, old_pin, new_pin); });
  } catch (const CardError&) {
    s->token->pin_state_changed();
    throw;
  }
  s->token->pin_state_changed();
}

// ---------------------------------------------------------------------------------------------
// Objects

bool Module::visible(const Token& t, const Object& o) const { return !o.is_private || t.login() == Login::User; }

const Object& Module::object_of(Session& s, CK_OBJECT_HANDLE h) {
  const Object* o = s.token->object(h);
  if (!o || !visible(*s.token, *o)) fail(CKR_OBJECT_HANDLE_INVALID);
  return *o;
}

CK_RV Module::get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh, CK_ATTRIBUTE* tmpl, CK_ULONG n) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  return object_of(*s, oh).read_into(tmpl, n);
}

CK_ULONG Module::object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE oh) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  CK_ULONG size = 0;
  for (auto& [t, v] : object_of(*s, oh).attrs) size += v.size();
  return size;
}

void Module::find_init(CK_SESSION_HANDLE h, const CK_ATTRIBUTE* tmpl, CK_ULONG n) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (s->find) fail(CKR_OPERATION_ACTIVE);
  const Token& t = *s->token;
  s->find = t.find([&](const Object& o) { return visible(t, o) && o.matches(tmpl, n); });
  s->find_pos = 0;
}

CK_ULONG Module::find(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE* out, CK_ULONG max) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!s->find) fail(CKR_OPERATION_NOT_INITIALIZED);
  CK_ULONG n = 0;
  while (n < max && s->find_pos < s->find->size()) out[n++] = (*s->find)[s->find_pos++];
  return n;
}

void Module::find_final(CK_SESSION_HANDLE h) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  if (!s->find) fail(CKR_OPERATION_NOT_INITIALIZED);
  s->find.reset();
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

CK_OBJECT_HANDLE Module::create_object(CK_SESSION_HANDLE h, const CK_ATTRIBUTE* tmpl, CK_ULONG n) {
  auto s = session(h);
  std::lock_guard sl(s->mutex);
  // What the card can store: X.509 certificates, as token objects, after the user logged in.
  auto cls = scalar<CK_OBJECT_CLASS>(tmpl, n, CKA_CLASS);
  if (!cls) fail(CKR_TEMPLATE_INCOMPLETE);
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
  const Object& o = object_of(*s, oh);
  if (!o.get_bool(CKA_DESTROYABLE)) fail(CKR_ACTION_PROHIBITED);
  if (!(s->flags & CKF_RW_SESSION)) fail(CKR_SESSION_READ_ONLY);
  if (s->token->login() != Login::User) fail(CKR_USER_NOT_LOGGED_IN);
  with_card(*s, [&](Card&) { s->token->remove_certificate(oh); });
}

// ---------------------------------------------------------------------------------------------
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
