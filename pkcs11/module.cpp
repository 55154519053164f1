// SPDX-License-Identifier: LGPL-2.1-or-later
#include "module.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cstring>

#include "akis/version.hpp"
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

// fork(): the child shares the parent's PC/SC sockets and has none of its threads. The module of the
// parent is put out of the child's reach at once and never destroyed there, even by exit()'s static
// destructors (which would disconnect the parent's card handles and join a monitor thread that is not there).
void before_fork() { g_init_mutex.lock(); }
void after_fork_parent() { g_init_mutex.unlock(); }
void after_fork_child() {
  if (g_module) new std::shared_ptr<Module>(std::move(g_module));  // deliberately leaked
  g_module_pid = 0;
  g_init_mutex.unlock();
}

void install_fork_handlers() {
  static std::once_flag once;
  std::call_once(once, [] { ::pthread_atfork(&before_fork, &after_fork_parent, &after_fork_child); });
}
}  // namespace

void set_backend_factory(std::unique_ptr<Backend> (*factory)()) { g_backend_factory = factory; }

std::shared_ptr<Module> current_module() {
  std::lock_guard lock(g_init_mutex);
  if (!g_module || g_module_pid != ::getpid()) return nullptr;
  return g_module;
}

CK_RV initialize_module(const CK_C_INITIALIZE_ARGS* args) {
  install_fork_handlers();
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
  // Reader state from a monitor thread, unless the application forbids the module its own threads.
  if (!args || !(args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS)) backend_->start_monitor();
  std::lock_guard g(lock_);
  refresh_locked();
  for (auto& [id, s] : slots_) s.reported = s.state;
}

Module::~Module() = default;

void Module::finalize() {
  std::vector<std::shared_ptr<Token>> logged_in;
  {
    std::lock_guard g(lock_);
    finalized_ = true;
    sessions_.clear();
    for (auto& [id, s] : slots_) {
      if (s.token && s.token->login() != Login::None) logged_in.push_back(s.token);
      s.token.reset();
    }
  }
  backend_->cancel_wait();
  for (auto& t : logged_in) {  // the application ends: it is logged out, on the card too (outside the lock)
    try {
      t->log_out();
    } catch (const std::exception&) {
    }
  }
}

CK_INFO Module::info() {
  CK_INFO i{};
  i.cryptokiVersion = {2, 40};
  pad(i.manufacturerID, sizeof i.manufacturerID, "Open AKIS Middleware");
  pad(i.libraryDescription, sizeof i.libraryDescription, "AKIS PKCS#11 module");
  i.libraryVersion = {AKIS_VERSION_MAJOR, AKIS_VERSION_MINOR};  // project(VERSION) in CMakeLists.txt
  return i;
}

// ---------------------------------------------------------------------------------------------
// Slots

void Module::refresh_locked() {
  // Nothing changed since the last look (the reader monitor says so): the slots are as they are.
  const unsigned long version = backend_->state_version();
  if (version != 0 && version == state_version_) return;
  state_version_ = version;
  auto states = backend_->readers();
  // A new PC/SC context (pcscd restarted): its event counters start afresh. A card still present keeps its
  // token; the token's transport reconnects at its next command and re-validates the card (Token::io).
  unsigned long generation = backend_->generation();
  bool rebase = generation != generation_;
  generation_ = generation;
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
    if (rebase && st.present) {
      if (slot->token || slot->unrecognized) slot->token_event = st.event_count;
      slot->reported.event_count = st.event_count;
    }
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
    try {
      token = std::make_shared<Token>(backend_->connect(reader), id, first);
    } catch (const CardError& e) {
      if (e.code() != Err::CardReset) throw;
      token = std::make_shared<Token>(backend_->connect(reader), id, first);  // reset by another program meanwhile
    }
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
}  // namespace akis::p11
