// SPDX-License-Identifier: LGPL-2.1-or-later
// The SQLite store (the embedded default): one file in the data directory, WAL, synchronous=FULL.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <stdexcept>

#include "store.hpp"

namespace akis::unlockd {

namespace {

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, const Bytes& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  std::int64_t i64(int c) { return sqlite3_column_int64(s_, c); }
  std::string text(int c) {
    auto* p = sqlite3_column_text(s_, c);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s_, c))) : "";
  }
  Bytes blob(int c) {
    auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, c));
    return p ? Bytes(p, p + sqlite3_column_bytes(s_, c)) : Bytes{};
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, display_name TEXT NOT NULL,
  password_hash BLOB NOT NULL, salt BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
  serial TEXT PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id),
  status TEXT NOT NULL CHECK (status IN ('active','suspended','revoked')));
CREATE TABLE IF NOT EXISTS codes (
  id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id), code_hash BLOB UNIQUE NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, superseded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash BLOB PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id), expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, account_id INTEGER, serial TEXT, address TEXT,
  event TEXT NOT NULL, detail TEXT, prefix TEXT);
CREATE TABLE IF NOT EXISTS approvals (
  id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id), text_version TEXT NOT NULL,
  at INTEGER NOT NULL, cert_serial TEXT NOT NULL, cert_fingerprint TEXT NOT NULL, withdrawn_at INTEGER,
  signature TEXT);
CREATE INDEX IF NOT EXISTS approvals_account ON approvals(account_id, withdrawn_at);
CREATE INDEX IF NOT EXISTS audit_address ON audit(address, event, at);
CREATE INDEX IF NOT EXISTS audit_account ON audit(account_id, event, at);
)";


class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  std::int64_t add_account(const std::string& username, const std::string& display_name, const Bytes& password_hash,
                           const Bytes& salt) override;
  std::optional<Account> account_by_name(const std::string& username, Bytes* hash, Bytes* salt) override;
  std::optional<Account> account_by_id(std::int64_t id) override;
  std::optional<CardRecord> card(const std::string& serial) override;
  void set_card_status(const std::string& serial, const std::string& status) override;
  std::vector<CardRecord> cards_of(std::int64_t account_id) override;
  void add_code(std::int64_t account_id, const Bytes& code_hash, std::int64_t now, std::int64_t expires_at,
                const std::string& serial) override;
  std::optional<CodeRecord> code(const Bytes& code_hash) override;
  bool mark_code_used(std::int64_t code_id, std::int64_t now) override;
  void add_session(const Bytes& token_hash, std::int64_t account_id, std::int64_t expires_at) override;
  std::optional<std::int64_t> session_account(const Bytes& token_hash, std::int64_t now) override;
  void drop_session(const Bytes& token_hash) override;
  void audit(std::int64_t now, std::optional<std::int64_t> account_id, const std::string& serial,
             const std::string& address, const std::string& event, const std::string& detail) override;
  int count(const CountQuery& q) override;
  std::vector<std::string> audit_events(std::int64_t account_id) override;
  std::vector<HistoryEntry> unlock_history(std::int64_t account_id, int limit) override;
  void set_national_id(std::int64_t account_id, const std::string& national_id) override;
  std::string national_id(std::int64_t account_id) override;
  void add_approval(const Approval& a) override;
  std::optional<Approval> active_approval(std::int64_t account_id) override;
  bool withdraw_approval(std::int64_t account_id, std::int64_t now) override;
  bool integrity_ok() override;

 private:
  void begin() override { exec("BEGIN IMMEDIATE"); }
  void commit() override { exec("COMMIT"); }
  void rollback() override { exec("ROLLBACK"); }
  void insert_card(const CardRecord& c) override;
  void move_card(const std::string& serial, std::int64_t account_id) override;
  void exec(const char* sql);
  void drop_legacy_keys();
  sqlite3* db_ = nullptr;
};

}  // namespace

SqliteStore::SqliteStore(const std::string& path) {
  if (int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) ::close(fd);  // -wal, -shm: same mode
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("cannot open database " + path + ": " + err);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
  exec(kSchema);
  drop_legacy_keys();
  auto has_column = [&](const char* table, const char* column) {
    Stmt s(db_, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
    s.bind(1, std::string(table)).bind(2, std::string(column));
    return s.step() && s.i64(0) > 0;
  };
  if (!has_column("audit", "prefix")) exec("ALTER TABLE audit ADD COLUMN prefix TEXT");
  if (!has_column("codes", "serial")) exec("ALTER TABLE codes ADD COLUMN serial TEXT");
  if (!has_column("accounts", "national_id")) exec("ALTER TABLE accounts ADD COLUMN national_id TEXT");
  if (!has_column("approvals", "signature")) exec("ALTER TABLE approvals ADD COLUMN signature TEXT");
  exec("CREATE INDEX IF NOT EXISTS audit_prefix ON audit(prefix, event, at)");
  exec("CREATE INDEX IF NOT EXISTS audit_event ON audit(event, at)");
  exec("CREATE INDEX IF NOT EXISTS audit_serial ON audit(serial, event)");
}

void SqliteStore::drop_legacy_keys() {
  bool legacy = false;
  {
    Stmt s(db_, "SELECT count(*) FROM pragma_table_info('cards') WHERE name = 'unblock_key'");
    legacy = s.step() && s.i64(0) > 0;
  }
  if (!legacy) return;
  exec("PRAGMA secure_delete=ON");
  exec("ALTER TABLE cards DROP COLUMN unblock_key");
  exec("VACUUM");
  exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

SqliteStore::~SqliteStore() { sqlite3_close(db_); }

void SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + e);
  }
}

std::int64_t SqliteStore::add_account(const std::string& username, const std::string& display_name,
                                const Bytes& password_hash, const Bytes& salt) {
  Stmt s(db_, "INSERT INTO accounts(username, display_name, password_hash, salt) VALUES (?,?,?,?)");
  s.bind(1, username).bind(2, display_name).bind(3, password_hash).bind(4, salt).step();
  return sqlite3_last_insert_rowid(db_);
}

std::optional<Account> SqliteStore::account_by_name(const std::string& username, Bytes* hash, Bytes* salt) {
  Stmt s(db_, "SELECT id, username, display_name, password_hash, salt FROM accounts WHERE username = ?");
  s.bind(1, username);
  if (!s.step()) return std::nullopt;
  if (hash) *hash = s.blob(3);
  if (salt) *salt = s.blob(4);
  return Account{s.i64(0), s.text(1), s.text(2)};
}

std::optional<Account> SqliteStore::account_by_id(std::int64_t id) {
  Stmt s(db_, "SELECT id, username, display_name FROM accounts WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return Account{s.i64(0), s.text(1), s.text(2)};
}

void SqliteStore::insert_card(const CardRecord& c) {
  Stmt s(db_, "INSERT INTO cards(serial, account_id, status) VALUES (?,?,?)");
  s.bind(1, c.serial).bind(2, c.account_id).bind(3, c.status).step();
}

void SqliteStore::move_card(const std::string& serial, std::int64_t account_id) {
  Stmt s(db_, "UPDATE cards SET account_id = ? WHERE serial = ?");
  s.bind(1, account_id).bind(2, serial).step();
}

std::optional<CardRecord> SqliteStore::card(const std::string& serial) {
  Stmt s(db_, "SELECT serial, account_id, status FROM cards WHERE serial = ?");
  s.bind(1, serial);
  if (!s.step()) return std::nullopt;
  return CardRecord{s.text(0), s.i64(1), s.text(2)};
}

void SqliteStore::set_card_status(const std::string& serial, const std::string& status) {
  Stmt s(db_, "UPDATE cards SET status = ? WHERE serial = ?");
  s.bind(1, status).bind(2, serial).step();
  if (sqlite3_changes(db_) != 1) throw std::runtime_error("no enrolled card " + serial);
}

std::vector<CardRecord> SqliteStore::cards_of(std::int64_t account_id) {
  Stmt s(db_, "SELECT serial, account_id, status FROM cards WHERE account_id = ? ORDER BY serial");
  s.bind(1, account_id);
  std::vector<CardRecord> out;
  while (s.step()) out.push_back({s.text(0), s.i64(1), s.text(2)});
  return out;
}

void SqliteStore::add_code(std::int64_t account_id, const Bytes& code_hash, std::int64_t now, std::int64_t expires_at,
                     const std::string& serial) {
  Stmt old(db_, "UPDATE codes SET superseded = 1 WHERE account_id = ? AND used_at IS NULL AND superseded = 0");
  old.bind(1, account_id).step();
  Stmt s(db_, "INSERT INTO codes(account_id, code_hash, created_at, expires_at, serial) VALUES (?,?,?,?,?)");
  s.bind(1, account_id).bind(2, code_hash).bind(3, now).bind(4, expires_at).bind(5, serial).step();
}

std::optional<CodeRecord> SqliteStore::code(const Bytes& code_hash) {
  Stmt s(db_, "SELECT id, account_id, expires_at, used_at IS NOT NULL, superseded, coalesce(serial, '') FROM codes "
              "WHERE code_hash = ?");
  s.bind(1, code_hash);
  if (!s.step()) return std::nullopt;
  return CodeRecord{s.i64(0), s.i64(1), s.i64(2), s.i64(3) != 0, s.i64(4) != 0, s.text(5)};
}

bool SqliteStore::mark_code_used(std::int64_t code_id, std::int64_t now) {
  Stmt s(db_, "UPDATE codes SET used_at = ? WHERE id = ? AND used_at IS NULL");
  s.bind(1, now).bind(2, code_id).step();
  return sqlite3_changes(db_) == 1;
}

void SqliteStore::add_session(const Bytes& token_hash, std::int64_t account_id, std::int64_t expires_at) {
  Stmt s(db_, "INSERT INTO sessions(token_hash, account_id, expires_at) VALUES (?,?,?)");
  s.bind(1, token_hash).bind(2, account_id).bind(3, expires_at).step();
}

std::optional<std::int64_t> SqliteStore::session_account(const Bytes& token_hash, std::int64_t now) {
  Stmt s(db_, "SELECT account_id FROM sessions WHERE token_hash = ? AND expires_at > ?");
  s.bind(1, token_hash).bind(2, now);
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

void SqliteStore::drop_session(const Bytes& token_hash) {
  Stmt s(db_, "DELETE FROM sessions WHERE token_hash = ?");
  s.bind(1, token_hash).step();
}

void SqliteStore::audit(std::int64_t now, std::optional<std::int64_t> account_id, const std::string& serial,
                  const std::string& address, const std::string& event, const std::string& detail) {
  Stmt s(db_, "INSERT INTO audit(at, account_id, serial, address, event, detail, prefix) VALUES (?,?,?,?,?,?,?)");
  s.bind(1, now);
  if (account_id) s.bind(2, *account_id);
  s.bind(3, serial).bind(4, address).bind(5, event).bind(6, detail).bind(7, address_prefix(address)).step();
}

int SqliteStore::count(const CountQuery& q) {
  std::vector<std::string> args;
  std::string sql = count_sql(q, [](int i) { return "?" + std::to_string(i); }, args);
  Stmt s(db_, sql.c_str());
  for (std::size_t i = 0; i < args.size(); ++i) s.bind(static_cast<int>(i + 1), args[i]);
  s.step();
  return static_cast<int>(s.i64(0));
}

std::vector<std::string> SqliteStore::audit_events(std::int64_t account_id) {
  Stmt s(db_, "SELECT event FROM audit WHERE account_id = ? ORDER BY id");
  s.bind(1, account_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<HistoryEntry> SqliteStore::unlock_history(std::int64_t account_id, int limit) {
  Stmt s(db_,
         "SELECT at, serial, event, coalesce(detail, '') FROM audit WHERE serial IN (SELECT serial FROM cards WHERE "
         "account_id = ?1) AND event IN ('unlock_authorized', 'unlock_refused', 'code_refused') ORDER BY id DESC LIMIT ?2");
  s.bind(1, account_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<HistoryEntry> out;
  while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3)});
  return out;
}

void SqliteStore::set_national_id(std::int64_t account_id, const std::string& national_id) {
  Stmt s(db_, "UPDATE accounts SET national_id = ? WHERE id = ?");
  s.bind(1, national_id).bind(2, account_id).step();
}

std::string SqliteStore::national_id(std::int64_t account_id) {
  Stmt s(db_, "SELECT coalesce(national_id, '') FROM accounts WHERE id = ?");
  s.bind(1, account_id);
  return s.step() ? s.text(0) : std::string();
}

void SqliteStore::add_approval(const Approval& a) {
  Stmt s(db_, "INSERT INTO approvals(account_id, text_version, at, cert_serial, cert_fingerprint, signature) "
              "VALUES (?,?,?,?,?,?)");
  s.bind(1, a.account_id).bind(2, a.text_version).bind(3, a.at).bind(4, a.cert_serial).bind(5, a.cert_fingerprint);
  s.bind(6, a.signature_hex).step();
}

std::optional<Approval> SqliteStore::active_approval(std::int64_t account_id) {
  Stmt s(db_, "SELECT id, account_id, text_version, at, cert_serial, cert_fingerprint FROM approvals "
              "WHERE account_id = ? AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1");
  s.bind(1, account_id);
  if (!s.step()) return std::nullopt;
  return Approval{s.i64(0), s.i64(1), s.text(2), s.i64(3), s.text(4), s.text(5), std::nullopt, {}};
}

bool SqliteStore::withdraw_approval(std::int64_t account_id, std::int64_t now) {
  Stmt s(db_, "UPDATE approvals SET withdrawn_at = ? WHERE account_id = ? AND withdrawn_at IS NULL");
  s.bind(1, now).bind(2, account_id).step();
  return sqlite3_changes(db_) > 0;
}

bool SqliteStore::integrity_ok() {
  Stmt s(db_, "PRAGMA integrity_check");
  return s.step() && s.text(0) == "ok";
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path) { return std::make_unique<SqliteStore>(path); }

}  // namespace akis::unlockd
