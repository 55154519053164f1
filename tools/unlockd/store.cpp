#include "store.hpp"

#include <sqlite3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

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
CREATE INDEX IF NOT EXISTS audit_address ON audit(address, event, at);
CREATE INDEX IF NOT EXISTS audit_account ON audit(account_id, event, at);
)";

}  // namespace

void secure_data_dir(const std::string& dir, bool create) {
  namespace fs = std::filesystem;
  if (create && !fs::exists(dir)) {
    fs::create_directories(fs::path(dir).parent_path().empty() ? fs::path(".") : fs::path(dir).parent_path());
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) throw std::runtime_error("cannot create " + dir);
  }
  auto loose = [](const fs::path& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0 && (st.st_mode & 077) != 0;
  };
  if (loose(dir)) throw std::runtime_error(dir + " is accessible to other users; chmod 700 it");
  for (const char* f : {"unlock.db", "unlock.db-wal", "unlock.db-shm", "server-secret.hex", "tls-key.pem"})
    if (loose(fs::path(dir) / f)) throw std::runtime_error((fs::path(dir) / f).string() + " is readable by other users; chmod 600 it");
}

Store::Store(const std::string& path) {
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
  exec("CREATE INDEX IF NOT EXISTS audit_prefix ON audit(prefix, event, at)");
}

std::string address_prefix(const std::string& address) {
  in6_addr a6{};
  in_addr a4{};
  char buf[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET, address.c_str(), &a4) == 1) {
    a4.s_addr &= htonl(0xFFFFFF00);
    return std::string(::inet_ntop(AF_INET, &a4, buf, sizeof buf)) + "/24";
  }
  if (::inet_pton(AF_INET6, address.c_str(), &a6) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
      std::memcpy(&a4, a6.s6_addr + 12, 4);
      return address_prefix(::inet_ntop(AF_INET, &a4, buf, sizeof buf));
    }
    std::memset(a6.s6_addr + 8, 0, 8);
    return std::string(::inet_ntop(AF_INET6, &a6, buf, sizeof buf)) + "/64";
  }
  return address;
}

void Store::drop_legacy_keys() {
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

Store::~Store() { sqlite3_close(db_); }

void Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string e = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + e);
  }
}

std::int64_t Store::add_account(const std::string& username, const std::string& display_name,
                                const Bytes& password_hash, const Bytes& salt) {
  Stmt s(db_, "INSERT INTO accounts(username, display_name, password_hash, salt) VALUES (?,?,?,?)");
  s.bind(1, username).bind(2, display_name).bind(3, password_hash).bind(4, salt).step();
  return sqlite3_last_insert_rowid(db_);
}

std::optional<Account> Store::account_by_name(const std::string& username, Bytes* hash, Bytes* salt) {
  Stmt s(db_, "SELECT id, username, display_name, password_hash, salt FROM accounts WHERE username = ?");
  s.bind(1, username);
  if (!s.step()) return std::nullopt;
  if (hash) *hash = s.blob(3);
  if (salt) *salt = s.blob(4);
  return Account{s.i64(0), s.text(1), s.text(2)};
}

std::optional<Account> Store::account_by_id(std::int64_t id) {
  Stmt s(db_, "SELECT id, username, display_name FROM accounts WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return Account{s.i64(0), s.text(1), s.text(2)};
}

void Store::enrol_card(const CardRecord& c, bool force) {
  auto old = card(c.serial);
  if (!old) {
    Stmt s(db_, "INSERT INTO cards(serial, account_id, status) VALUES (?,?,?)");
    s.bind(1, c.serial).bind(2, c.account_id).bind(3, c.status).step();
    return;
  }
  if (old->account_id == c.account_id && old->status != "revoked") return;  // already enrolled: nothing changes
  if (!force)
    throw std::runtime_error("card " + c.serial + (old->account_id != c.account_id ? " is enrolled for another account"
                                                                                  : " is revoked") +
                             "; re-enrolling it needs --force");
  Stmt s(db_, "UPDATE cards SET account_id = ? WHERE serial = ?");
  s.bind(1, c.account_id).bind(2, c.serial).step();
  audit(static_cast<std::int64_t>(std::time(nullptr)), c.account_id, c.serial, "", "card_reenrolled",
        "from account " + std::to_string(old->account_id) + ", status " + old->status);
}

std::optional<CardRecord> Store::card(const std::string& serial) {
  Stmt s(db_, "SELECT serial, account_id, status FROM cards WHERE serial = ?");
  s.bind(1, serial);
  if (!s.step()) return std::nullopt;
  return CardRecord{s.text(0), s.i64(1), s.text(2)};
}

void Store::set_card_status(const std::string& serial, const std::string& status) {
  Stmt s(db_, "UPDATE cards SET status = ? WHERE serial = ?");
  s.bind(1, status).bind(2, serial).step();
  if (sqlite3_changes(db_) != 1) throw std::runtime_error("no enrolled card " + serial);
}

std::vector<CardRecord> Store::cards_of(std::int64_t account_id) {
  Stmt s(db_, "SELECT serial, account_id, status FROM cards WHERE account_id = ? ORDER BY serial");
  s.bind(1, account_id);
  std::vector<CardRecord> out;
  while (s.step()) out.push_back({s.text(0), s.i64(1), s.text(2)});
  return out;
}

void Store::add_code(std::int64_t account_id, const Bytes& code_hash, std::int64_t now, std::int64_t expires_at,
                     const std::string& serial) {
  Stmt old(db_, "UPDATE codes SET superseded = 1 WHERE account_id = ? AND used_at IS NULL AND superseded = 0");
  old.bind(1, account_id).step();
  Stmt s(db_, "INSERT INTO codes(account_id, code_hash, created_at, expires_at, serial) VALUES (?,?,?,?,?)");
  s.bind(1, account_id).bind(2, code_hash).bind(3, now).bind(4, expires_at).bind(5, serial).step();
}

std::optional<CodeRecord> Store::code(const Bytes& code_hash) {
  Stmt s(db_, "SELECT id, account_id, expires_at, used_at IS NOT NULL, superseded, coalesce(serial, '') FROM codes "
              "WHERE code_hash = ?");
  s.bind(1, code_hash);
  if (!s.step()) return std::nullopt;
  return CodeRecord{s.i64(0), s.i64(1), s.i64(2), s.i64(3) != 0, s.i64(4) != 0, s.text(5)};
}

void Store::mark_code_used(std::int64_t code_id, std::int64_t now) {
  Stmt s(db_, "UPDATE codes SET used_at = ? WHERE id = ? AND used_at IS NULL");
  s.bind(1, now).bind(2, code_id).step();
  if (sqlite3_changes(db_) != 1) throw std::runtime_error("code already used");
}

void Store::add_session(const Bytes& token_hash, std::int64_t account_id, std::int64_t expires_at) {
  Stmt s(db_, "INSERT INTO sessions(token_hash, account_id, expires_at) VALUES (?,?,?)");
  s.bind(1, token_hash).bind(2, account_id).bind(3, expires_at).step();
}

std::optional<std::int64_t> Store::session_account(const Bytes& token_hash, std::int64_t now) {
  Stmt s(db_, "SELECT account_id FROM sessions WHERE token_hash = ? AND expires_at > ?");
  s.bind(1, token_hash).bind(2, now);
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

void Store::drop_session(const Bytes& token_hash) {
  Stmt s(db_, "DELETE FROM sessions WHERE token_hash = ?");
  s.bind(1, token_hash).step();
}

void Store::audit(std::int64_t now, std::optional<std::int64_t> account_id, const std::string& serial,
                  const std::string& address, const std::string& event, const std::string& detail) {
  Stmt s(db_, "INSERT INTO audit(at, account_id, serial, address, event, detail, prefix) VALUES (?,?,?,?,?,?,?)");
  s.bind(1, now);
  if (account_id) s.bind(2, *account_id);
  s.bind(3, serial).bind(4, address).bind(5, event).bind(6, detail).bind(7, address_prefix(address)).step();
}

int Store::count(const std::string& event, std::int64_t since, const std::string& prefix, const std::string& serial,
                 const std::string& detail, std::optional<std::int64_t> account_id) {
  Stmt s(db_,
         "SELECT count(*) FROM audit WHERE event = ?1 AND at >= ?2 AND (?3 = '' OR prefix = ?3) AND "
         "(?4 = '' OR serial = ?4) AND (?5 = '' OR detail = ?5) AND (?6 IS NULL OR account_id = ?6)");
  s.bind(1, event).bind(2, since).bind(3, prefix).bind(4, serial).bind(5, detail);
  if (account_id) s.bind(6, *account_id);
  s.step();
  return static_cast<int>(s.i64(0));
}

std::vector<std::string> Store::audit_events(std::int64_t account_id) {
  Stmt s(db_, "SELECT event FROM audit WHERE account_id = ? ORDER BY id");
  s.bind(1, account_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<HistoryEntry> Store::unlock_history(std::int64_t account_id, int limit) {
  Stmt s(db_,
         "SELECT at, serial, event, coalesce(detail, '') FROM audit WHERE serial IN (SELECT serial FROM cards WHERE "
         "account_id = ?1) AND event IN ('unlock_authorized', 'unlock_refused', 'code_refused') ORDER BY id DESC LIMIT ?2");
  s.bind(1, account_id).bind(2, static_cast<std::int64_t>(limit));
  std::vector<HistoryEntry> out;
  while (s.step()) out.push_back({s.i64(0), s.text(1), s.text(2), s.text(3)});
  return out;
}

bool Store::integrity_ok() {
  Stmt s(db_, "PRAGMA integrity_check");
  return s.step() && s.text(0) == "ok";
}

}  // namespace akis::unlockd
