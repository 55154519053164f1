// SPDX-License-Identifier: LGPL-2.1-or-later
// The module's state and its C++ functions, grouped as the PKCS#11 chapters are. The C entry points
// (entry.cpp) check pointers and convert arguments; everything here works on validated input.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "backend.hpp"
#include "mechanism.hpp"
#include "token.hpp"

namespace akis::p11 {

// The lock of the module state: the application's mutex callbacks when it gave only those
// (C_Initialize without CKF_OS_LOCKING_OK), a std::recursive_mutex otherwise.
class StateLock {
 public:
  explicit StateLock(const CK_C_INITIALIZE_ARGS* args);
  ~StateLock();
  void lock();
  void unlock();

 private:
  std::recursive_mutex os_;
  CK_C_INITIALIZE_ARGS app_{};
  void* app_mutex_ = nullptr;
};

// A session's operation: at most one at a time, of one kind. The token does not announce
// CKF_DUAL_CRYPTO_OPERATIONS, and PKCS#11 lets an active operation (a search included) prevent another one:
// an Init while any operation is active answers CKR_OPERATION_ACTIVE.
struct CryptoState {
  Mechanism mech;
  const Object* key = nullptr;
  std::shared_ptr<const Object> key_owner;  // keeps the key object alive (a session object may be the key)
  std::unique_ptr<Hash> hash;               // hash mechanisms: hashed as parts arrive (the multi-part ones)
  bool updated = false;                     // a C_*Update came: only C_*Final may end it
  std::optional<Bytes> result;              // computed but not yet delivered (the caller's buffer was short)
};
struct SignOp : CryptoState {
  bool context_login = false;  // CKU_CONTEXT_SPECIFIC done for an always-authenticate key
};
struct DecryptOp : CryptoState {
  bool context_login = false;
};
struct VerifyOp : CryptoState {};
struct EncryptOp : CryptoState {};
struct DigestOp : CryptoState {};
struct FindOp {
  std::vector<CK_OBJECT_HANDLE> handles;
  std::size_t pos = 0;
};
using Operation = std::variant<std::monostate, SignOp, VerifyOp, EncryptOp, DecryptOp, DigestOp, FindOp>;

struct Session {
  CK_SESSION_HANDLE handle = 0;
  CK_SLOT_ID slot = 0;
  CK_FLAGS flags = 0;
  std::shared_ptr<Token> token;
  CheckedMutex mutex{"session lock"};  // one call at a time on a session
  Operation op;
  // Session objects created in this session (CKA_TOKEN false): visible to every session of the token in this
  // process, destroyed with this session. A leaf lock; an object is replaced, never changed in place.
  std::map<CK_OBJECT_HANDLE, std::shared_ptr<const Object>> objects;
  std::mutex objects_mutex;

  bool idle() const { return std::holds_alternative<std::monostate>(op); }
  void end() { op = std::monostate{}; }
  // The CKU_CONTEXT_SPECIFIC flag of an active sign or decrypt operation; nullptr when there is none.
  bool* context_login() {
    if (auto* o = std::get_if<SignOp>(&op)) return &o->context_login;
    if (auto* o = std::get_if<DecryptOp>(&op)) return &o->context_login;
    return nullptr;
  }
  void end_find() {
    if (std::holds_alternative<FindOp>(op)) end();
  }
};

struct Slot {
  CK_SLOT_ID id = 0;
  std::string reader;
  bool reader_present = true;
  pcsc::ReaderState state;           // as last seen
  pcsc::ReaderState reported;        // as last reported by C_WaitForSlotEvent
  std::shared_ptr<Token> token;      // loaded token of the card in the reader
  unsigned long token_event = ~0ul;  // event counter of the card the token (or the refusal) belongs to
  bool unrecognized = false;         // a card that is not an AKİS e-signature card
  std::shared_ptr<std::mutex> loading = std::make_shared<std::mutex>();
};

class Module {
 public:
  Module(const CK_C_INITIALIZE_ARGS* args, std::unique_ptr<Backend> backend);
  ~Module();

  // General purpose
  static CK_INFO info();
  void finalize();

  // Slot and token management
  std::vector<CK_SLOT_ID> slot_list(bool token_present);
  CK_SLOT_INFO slot_info(CK_SLOT_ID id);
  CK_TOKEN_INFO token_info(CK_SLOT_ID id);
  std::vector<CK_MECHANISM_TYPE> mechanism_list(CK_SLOT_ID id);
  CK_MECHANISM_INFO mechanism_info(CK_SLOT_ID id, CK_MECHANISM_TYPE type);
  CK_SLOT_ID wait_for_slot_event(bool dont_block);

  // Session management
  CK_SESSION_HANDLE open_session(CK_SLOT_ID id, CK_FLAGS flags);
  void close_session(CK_SESSION_HANDLE h);
  void close_all_sessions(CK_SLOT_ID id);
  CK_SESSION_INFO session_info(CK_SESSION_HANDLE h);
  void login(CK_SESSION_HANDLE h, CK_USER_TYPE user, const Secret& pin);
  void logout(CK_SESSION_HANDLE h);
  void init_pin(CK_SESSION_HANDLE h, const Secret& pin);
  void set_pin(CK_SESSION_HANDLE h, const Secret& old_pin, const Secret& new_pin);

  // Object management
  // Templates come as spans from the C layer (entry.cpp), which checked their pointers.
  using Template = std::span<const CK_ATTRIBUTE>;
  // One answer per entry of the template, in its order (only the types are read).
  std::vector<Object::Value> get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, Template tmpl);
  CK_ULONG object_size(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o);
  void find_init(CK_SESSION_HANDLE h, Template tmpl);
  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, CK_ULONG max);  // the next ones, at most `max`
  void find_final(CK_SESSION_HANDLE h);
  CK_OBJECT_HANDLE create_object(CK_SESSION_HANDLE h, Template tmpl);
  CK_OBJECT_HANDLE copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, Template tmpl);
  void set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, Template tmpl);
  void destroy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o);

  // Cryptographic functions. The C layer passes what it read from the caller's pointers; an argument it found
  // bad is reported here, after the session and the operation were checked, so that the error ends the
  // operation as PKCS#11 3.0 (5.2) says.
  enum class Op { Sign, Verify, Encrypt, Decrypt, Digest };
  struct Call {
    std::optional<ByteView> data;        // single-part input; nullopt for a C_*Final
    std::optional<CK_ULONG> capacity;    // the caller's buffer; nullopt: no buffer (a size query)
    bool arguments_bad = false;          // a NULL pointer where the standard wants one
  };
  // The two-call convention's answer: the size, and the bytes when the caller's buffer takes them.
  struct Output {
    CK_ULONG size = 0;
    std::optional<Bytes> bytes;
  };
  void op_init(Op op, CK_SESSION_HANDLE h, const CK_MECHANISM* m, CK_OBJECT_HANDLE key);
  void op_update(Op op, CK_SESSION_HANDLE h, std::optional<ByteView> part);  // nullopt: a bad pointer
  // Single-part (data given) or final (data nullopt) step producing output.
  Output op_output(Op op, CK_SESSION_HANDLE h, const Call& c);
  // Verify single-part / final (`c.capacity` unused); nullopt signature: a bad pointer.
  void verify_finish(CK_SESSION_HANDLE h, const Call& c, std::optional<ByteView> signature);
  void digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
  Bytes generate_random(CK_SESSION_HANDLE h, CK_ULONG len);
  // C_SessionCancel: ends the operations named by `flags` (CKF_SIGN, CKF_FIND_OBJECTS, ...); true when one ended.
  bool cancel_operations(CK_SESSION_HANDLE h, CK_FLAGS flags);
  // For functions whose own checks come after the session handle's (C_SeedRandom, ...).
  void check_session(CK_SESSION_HANDLE h);
  void check_token(CK_SLOT_ID id) { token_for(id); }  // the slot's token is there and recognised (or throws)

 private:
  std::shared_ptr<Session> session(CK_SESSION_HANDLE h);
  Slot& slot_locked(CK_SLOT_ID id);
  void refresh_locked();
  std::shared_ptr<Token> token_for(CK_SLOT_ID id);  // loads the token when needed (card I/O outside the lock)
  void drop_token_locked(Slot& s);
  void card_gone(const std::shared_ptr<Token>& t);
  bool visible(const Token& t, const Object& o) const;
  // A visible object of the session's token or one of its session objects; CKR_OBJECT_HANDLE_INVALID otherwise.
  std::shared_ptr<const Object> object_of(Session& s, CK_OBJECT_HANDLE h);
  std::shared_ptr<const Object> lookup(Session& s, CK_OBJECT_HANDLE h);  // nullptr when not found or not visible
  std::vector<std::shared_ptr<Session>> sessions_of(const Token& t);
  // Session objects (module_data.cpp).
  CK_OBJECT_HANDLE create_data_object(Session& s, const CK_ATTRIBUTE* tmpl, CK_ULONG n);
  CK_OBJECT_HANDLE add_session_object(Session& s, Object o);
  void destroy_session_object(Session& s, CK_OBJECT_HANDLE h);
  // Data objects on the card (module_token_data.cpp): `o` / `changed` come with the template applied.
  CK_OBJECT_HANDLE create_token_data_object(Session& s, const Object& o);
  void set_token_data_object(Session& s, CK_OBJECT_HANDLE h, const Object& cur, const Object& changed);
  void destroy_token_data_object(Session& s, CK_OBJECT_HANDLE h);
  CryptoState* crypto_of(Session& s, Op op);  // the active operation of that kind, or nullptr
  template <class F>
  decltype(auto) watching_removal(const std::shared_ptr<Token>& t, F&& fn);
  template <class F>
  decltype(auto) with_card(Session& s, F&& fn);

  StateLock lock_;
  std::unique_ptr<Backend> backend_;
  std::map<CK_SLOT_ID, Slot> slots_;
  std::map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions_;
  CK_SLOT_ID next_slot_ = 0;
  CK_SESSION_HANDLE next_session_ = 1;
  CK_OBJECT_HANDLE next_object_ = 1;
  bool finalized_ = false;
  unsigned long generation_ = 0;  // the backend's context generation the slots' event counters belong to
  unsigned long state_version_ = 0;  // the backend's reader state the slots were last refreshed from
};

// Runs `fn`; a removed card closes every session of the token's slot.
template <class F>
decltype(auto) Module::watching_removal(const std::shared_ptr<Token>& t, F&& fn) {
  try {
    return fn();
  } catch (const CardError& e) {
    if (e.code() == Err::CardRemoved || e.code() == Err::NoCard) card_gone(t);
    throw;
  }
}

// Runs card I/O for a session (Token::io: a reset drops the login, a removal closes the sessions).
template <class F>
decltype(auto) Module::with_card(Session& s, F&& fn) {
  return watching_removal(s.token, [&]() -> decltype(auto) { return s.token->io(fn); });
}

// CKR_TOKEN_WRITE_PROTECTED (logged) unless the configuration allows card writes (log::Settings::allow_card_writes).
void require_writes_allowed(const char* what);

// The initialised module of this process, or nullptr (also in a forked child that has not called
// C_Initialize itself).
std::shared_ptr<Module> current_module();
CK_RV initialize_module(const CK_C_INITIALIZE_ARGS* args);
CK_RV finalize_module();
// Tests install their own backend before C_Initialize.
void set_backend_factory(std::unique_ptr<Backend> (*factory)());

}  // namespace akis::p11
