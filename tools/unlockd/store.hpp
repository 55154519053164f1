// The unlock service's SQLite store: accounts, their cards, codes, portal sessions, the audit log.
// Every request is one transaction (WAL, synchronous=FULL): a kill at any instant loses nothing committed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

struct sqlite3;

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

class Store {
 public:
  // Creates the schema when missing (file mode 0600); an older database loses its cards.unblock_key column
  // (the bytes are overwritten: secure_delete, VACUUM, WAL truncated).
  explicit Store(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Runs fn inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it throws).
  template <class F>
  auto transaction(F&& fn) {
    exec("BEGIN IMMEDIATE");
    try {
      if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        exec("COMMIT");
      } else {
        auto r = fn();
        exec("COMMIT");
        return r;
      }
    } catch (...) {
      exec("ROLLBACK");
      throw;
    }
  }

  std::int64_t add_account(const std::string& username, const std::string& display_name, const Bytes& password_hash,
                           const Bytes& salt);
  std::optional<Account> account_by_name(const std::string& username, Bytes* hash, Bytes* salt);
  std::optional<Account> account_by_id(std::int64_t id);

  // Enrols a card for an account. A card already enrolled keeps its status; a revoked card or a card of another
  // account is refused unless `force` (then the card moves to the account, keeps its status, and it is audited).
  void enrol_card(const CardRecord& c, bool force = false);
  std::optional<CardRecord> card(const std::string& serial);
  void set_card_status(const std::string& serial, const std::string& status);
  std::vector<CardRecord> cards_of(std::int64_t account_id);

  // A new code for the account; earlier unused codes of the account are superseded.
  void add_code(std::int64_t account_id, const Bytes& code_hash, std::int64_t now, std::int64_t expires_at,
                const std::string& serial = "");
  std::optional<CodeRecord> code(const Bytes& code_hash);
  void mark_code_used(std::int64_t code_id, std::int64_t now);

  void add_session(const Bytes& token_hash, std::int64_t account_id, std::int64_t expires_at);
  std::optional<std::int64_t> session_account(const Bytes& token_hash, std::int64_t now);
  void drop_session(const Bytes& token_hash);

  void audit(std::int64_t now, std::optional<std::int64_t> account_id, const std::string& serial,
             const std::string& address, const std::string& event, const std::string& detail);
  // Audit events of one kind since `since`, narrowed by address prefix, serial, detail, account (empty or nullopt:
  // any). The rate limits count with it.
  int count(const std::string& event, std::int64_t since, const std::string& prefix, const std::string& serial = "",
            const std::string& detail = "", std::optional<std::int64_t> account_id = std::nullopt);
  std::vector<std::string> audit_events(std::int64_t account_id);
  // Unlocks authorised or refused for the account's cards, newest first (the portal's history).
  std::vector<HistoryEntry> unlock_history(std::int64_t account_id, int limit);

  bool integrity_ok();

 private:
  void exec(const char* sql);
  void drop_legacy_keys();
  sqlite3* db_ = nullptr;
};

}  // namespace akis::unlockd
