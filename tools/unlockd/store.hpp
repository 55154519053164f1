// SPDX-License-Identifier: LGPL-2.1-or-later
// The unlock service's store: accounts, their cards, codes, portal sessions, the audit log. Every request is one
// transaction: a kill at any instant loses nothing committed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "akis/bytes.hpp"

namespace akis::unlockd {

struct Account {
  std::int64_t id = 0;
  std::string username;
  std::string display_name;
};

struct CardRecord {
  std::string serial;  // hex, as the card's GET DATA gives it
  std::int64_t account_id = 0;
  std::string status;  // active | suspended | revoked (no key: the issuer token derives it, token.hpp)
};

struct CodeRecord {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::int64_t expires_at = 0;  // unix seconds
  bool used = false;
  bool superseded = false;
  std::string serial;  // the card the holder chose on the portal; empty: any card of the account
};

// An E-Onay: the holder's signed agreement to one version of the commitment text (eonay.hpp).
struct Approval {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::string text_version;
  std::int64_t at = 0;                // unix seconds
  std::string cert_serial;            // the signer certificate's serial number, hex
  std::string cert_fingerprint;       // SHA-256 of the certificate's DER, hex
  std::optional<std::int64_t> withdrawn_at;
  std::string signature_hex;          // the CMS the holder's card made (kept as evidence), hex; not read back
};

struct HistoryEntry {
  std::int64_t at = 0;
  std::string serial, event, detail;
};

// The data directory: created 0700 when `create` and missing; throws when it or one of its database or secret
// files is accessible to group or others.
void secure_data_dir(const std::string& dir, bool create);

// The network a client address belongs to, as the rate limits count it: an IPv4 /24 or an IPv6 /64 (an
// attacker holds whole prefixes, not one address).
std::string address_prefix(const std::string& address);

// The rate limits' question: audit events of one kind since `since`, narrowed by the fields that are set.
struct CountQuery {
  std::string event;
  std::int64_t since = 0;
  std::string prefix, serial, detail;  // empty: any
  std::optional<std::int64_t> account_id;
};

// The store interface. Two implementations with the same semantics: SQLite in the data directory (the embedded
// default, store_sqlite.cpp) and PostgreSQL (store_postgres.cpp), which several service instances share: codes,
// audit rows and therefore the rate limits are the same for all of them. Not thread-safe: one caller at a time.
class Store {
 public:
  virtual ~Store() = default;

  // Runs fn inside one transaction (ROLLBACK when it throws). SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED,
  // where a code is spent by an UPDATE ... WHERE used_at IS NULL that only one transaction can win.
  template <class F>
  auto transaction(F&& fn) {
    begin();
    try {
      if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        commit();
      } else {
        auto r = fn();
        commit();
        return r;
      }
    } catch (...) {
      rollback();
      throw;
    }
  }

  virtual std::int64_t add_account(const std::string& username, const std::string& display_name,
                                   const Bytes& password_hash, const Bytes& salt) = 0;
  virtual std::optional<Account> account_by_name(const std::string& username, Bytes* hash, Bytes* salt) = 0;
  virtual std::optional<Account> account_by_id(std::int64_t id) = 0;

  // Enrols a card for an account. A card already enrolled keeps its status; a revoked card or a card of another
  // account is refused unless `force` (then the card moves to the account, keeps its status, and it is audited).
  void enrol_card(const CardRecord& c, bool force = false);
  virtual std::optional<CardRecord> card(const std::string& serial) = 0;
  virtual void set_card_status(const std::string& serial, const std::string& status) = 0;
  virtual std::vector<CardRecord> cards_of(std::int64_t account_id) = 0;

  // A new code for the account; earlier unused codes of the account are superseded.
  virtual void add_code(std::int64_t account_id, const Bytes& code_hash, std::int64_t now, std::int64_t expires_at,
                        const std::string& serial = "") = 0;
  virtual std::optional<CodeRecord> code(const Bytes& code_hash) = 0;
  // Spends the code; false when it was already spent (by this or another service instance).
  virtual bool mark_code_used(std::int64_t code_id, std::int64_t now) = 0;

  virtual void add_session(const Bytes& token_hash, std::int64_t account_id, std::int64_t expires_at) = 0;
  virtual std::optional<std::int64_t> session_account(const Bytes& token_hash, std::int64_t now) = 0;
  virtual void drop_session(const Bytes& token_hash) = 0;

  virtual void audit(std::int64_t now, std::optional<std::int64_t> account_id, const std::string& serial,
                     const std::string& address, const std::string& event, const std::string& detail) = 0;
  // The rate limits count with it.
  virtual int count(const CountQuery& q) = 0;
  int count(const std::string& event, std::int64_t since, const std::string& prefix, const std::string& serial = "",
            const std::string& detail = "", std::optional<std::int64_t> account_id = std::nullopt) {
    return count(CountQuery{event, since, prefix, serial, detail, account_id});
  }
  virtual std::vector<std::string> audit_events(std::int64_t account_id) = 0;
  // Unlocks authorised or refused for the account's cards, newest first (the portal's history).
  virtual std::vector<HistoryEntry> unlock_history(std::int64_t account_id, int limit) = 0;

  // The holder's T.C. Kimlik No (empty when not set): E-Onay signatures must carry it as the subject serialNumber.
  virtual void set_national_id(std::int64_t account_id, const std::string& national_id) = 0;
  virtual std::string national_id(std::int64_t account_id) = 0;
  // E-Onay approvals: a new one; the account's newest one not withdrawn; withdraws it (false: none to withdraw).
  virtual void add_approval(const Approval& a) = 0;
  virtual std::optional<Approval> active_approval(std::int64_t account_id) = 0;
  virtual bool withdraw_approval(std::int64_t account_id, std::int64_t now) = 0;

  virtual bool integrity_ok() = 0;

 protected:
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual void move_card(const std::string& serial, std::int64_t account_id) = 0;
  virtual void insert_card(const CardRecord& c) = 0;
};

// The WHERE clause of a CountQuery with only the conditions that are set, so the audit indexes serve it (a
// "(? = '' OR prefix = ?)" form makes both databases scan the whole table: every refusal slowed the next one).
// `param(i)` spells the i-th placeholder (SQLite "?i", PostgreSQL "$i"); `args` gets the values as text.
std::string count_sql(const CountQuery& q, const std::function<std::string(int)>& param, std::vector<std::string>& args);

// SQLite at `path` (file mode 0600); an older database loses its cards.unblock_key column (the bytes are
// overwritten: secure_delete, VACUUM, WAL truncated).
std::unique_ptr<Store> open_sqlite_store(const std::string& path);
// PostgreSQL through libpqxx; `conninfo` is a libpq connection string or URI (a password belongs in PGPASSFILE,
// not in it). Creates the schema when missing (under an advisory lock: several instances may start at once).
std::unique_ptr<Store> open_postgres_store(const std::string& conninfo);
// The configured store: `database` empty or "sqlite": SQLite in data_dir/unlock.db; "postgresql://..." /
// "postgres://..." or "postgresql:CONNINFO": PostgreSQL.
std::unique_ptr<Store> open_store(const std::string& data_dir, const std::string& database);

}  // namespace akis::unlockd
