// SPDX-License-Identifier: LGPL-2.1-or-later
// The PostgreSQL store (libpqxx): the same schema semantics as the SQLite store, shared by several service
// instances. Byte strings travel as hex (decode/encode), so no binary parameter handling is needed. A code is spent
// by "UPDATE ... WHERE used_at IS NULL": under READ COMMITTED a second transaction waits for the first one's row
// lock, then finds the row no longer matching, so exactly one instance releases a cryptogram for a code.
#include <pqxx/pqxx>

#include <stdexcept>

#include "store.hpp"

namespace akis::unlockd {

namespace {

const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS accounts (
  id BIGSERIAL PRIMARY KEY, username TEXT UNIQUE NOT NULL, display_name TEXT NOT NULL,
  password_hash BYTEA NOT NULL, salt BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
  serial TEXT PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts(id),
  status TEXT NOT NULL CHECK (status IN ('active','suspended','revoked')));
CREATE TABLE IF NOT EXISTS codes (
  id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts(id), code_hash BYTEA UNIQUE NOT NULL,
  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT, superseded INTEGER NOT NULL DEFAULT 0,
  serial TEXT);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash BYTEA PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts(id), expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, account_id BIGINT, serial TEXT, address TEXT,
  event TEXT NOT NULL, detail TEXT, prefix TEXT);
CREATE INDEX IF NOT EXISTS audit_prefix ON audit(prefix, event, at);
CREATE INDEX IF NOT EXISTS audit_account ON audit(account_id, event, at);
CREATE INDEX IF NOT EXISTS audit_event ON audit(event, at);
CREATE INDEX IF NOT EXISTS audit_serial ON audit(serial, event);
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS national_id TEXT;
CREATE TABLE IF NOT EXISTS approvals (
  id BIGSERIAL PRIMARY KEY, account_id BIGINT NOT NULL REFERENCES accounts(id), text_version TEXT NOT NULL,
  at BIGINT NOT NULL, cert_serial TEXT NOT NULL, cert_fingerprint TEXT NOT NULL, withdrawn_at BIGINT);
CREATE INDEX IF NOT EXISTS approvals_account ON approvals(account_id, withdrawn_at);
ALTER TABLE approvals ADD COLUMN IF NOT EXISTS signature TEXT;
CREATE INDEX IF NOT EXISTS codes_account ON codes(account_id) WHERE used_at IS NULL AND superseded = 0;
)";

constexpr long kSchemaLock = 0x414B4953;  // "AKIS": instances starting together create the schema once

std::string opt(std::optional<std::int64_t> v) { return v ? std::to_string(*v) : std::string(); }

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const std::string& conninfo) : conninfo_(conninfo), conn_(connect(conninfo)) {
    pqxx::work w(*conn_);
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kSchemaLock);
    w.exec(kSchema);
    w.commit();
  }

  std::int64_t add_account(const std::string& username, const std::string& display_name, const Bytes& password_hash,
                           const Bytes& salt) override {
    auto r = q("INSERT INTO accounts(username, display_name, password_hash, salt) VALUES ($1, $2, decode($3, 'hex'), "
               "decode($4, 'hex')) RETURNING id",
               username, display_name, to_hex(password_hash), to_hex(salt));
    return r[0][0].as<std::int64_t>();
  }
  std::optional<Account> account_by_name(const std::string& username, Bytes* hash, Bytes* salt) override {
    auto r = q("SELECT id, username, display_name, encode(password_hash, 'hex'), encode(salt, 'hex') FROM accounts "
               "WHERE username = $1",
               username);
    if (r.empty()) return std::nullopt;
    if (hash) *hash = from_hex(r[0][3].c_str());
    if (salt) *salt = from_hex(r[0][4].c_str());
    return Account{r[0][0].as<std::int64_t>(), r[0][1].c_str(), r[0][2].c_str()};
  }
  std::optional<Account> account_by_id(std::int64_t id) override {
    auto r = q("SELECT id, username, display_name FROM accounts WHERE id = $1", id);
    if (r.empty()) return std::nullopt;
    return Account{r[0][0].as<std::int64_t>(), r[0][1].c_str(), r[0][2].c_str()};
  }
  std::optional<CardRecord> card(const std::string& serial) override {
    auto r = q("SELECT serial, account_id, status FROM cards WHERE serial = $1", serial);
    if (r.empty()) return std::nullopt;
    return CardRecord{r[0][0].c_str(), r[0][1].as<std::int64_t>(), r[0][2].c_str()};
  }
  void set_card_status(const std::string& serial, const std::string& status) override {
    if (q("UPDATE cards SET status = $1 WHERE serial = $2", status, serial).affected_rows() != 1)
      throw std::runtime_error("no enrolled card " + serial);
  }
  std::vector<CardRecord> cards_of(std::int64_t account_id) override {
    std::vector<CardRecord> out;
    for (const auto& row : q("SELECT serial, account_id, status FROM cards WHERE account_id = $1 ORDER BY serial", account_id))
      out.push_back({row[0].c_str(), row[1].as<std::int64_t>(), row[2].c_str()});
    return out;
  }
  void add_code(std::int64_t account_id, const Bytes& code_hash, std::int64_t now, std::int64_t expires_at,
                const std::string& serial) override {
    q("UPDATE codes SET superseded = 1 WHERE account_id = $1 AND used_at IS NULL AND superseded = 0", account_id);
    q("INSERT INTO codes(account_id, code_hash, created_at, expires_at, serial) VALUES ($1, decode($2, 'hex'), $3, $4, $5)",
      account_id, to_hex(code_hash), now, expires_at, serial);
  }
  std::optional<CodeRecord> code(const Bytes& code_hash) override {
    auto r = q("SELECT id, account_id, expires_at, used_at IS NOT NULL, superseded, coalesce(serial, '') FROM codes "
               "WHERE code_hash = decode($1, 'hex')",
               to_hex(code_hash));
    if (r.empty()) return std::nullopt;
    return CodeRecord{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(), r[0][2].as<std::int64_t>(),
                      r[0][3].as<bool>(), r[0][4].as<int>() != 0, r[0][5].c_str()};
  }
  bool mark_code_used(std::int64_t code_id, std::int64_t now) override {
    return q("UPDATE codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL", now, code_id).affected_rows() == 1;
  }
  void add_session(const Bytes& token_hash, std::int64_t account_id, std::int64_t expires_at) override {
    q("INSERT INTO sessions(token_hash, account_id, expires_at) VALUES (decode($1, 'hex'), $2, $3)", to_hex(token_hash),
      account_id, expires_at);
  }
  std::optional<std::int64_t> session_account(const Bytes& token_hash, std::int64_t now) override {
    auto r = q("SELECT account_id FROM sessions WHERE token_hash = decode($1, 'hex') AND expires_at > $2",
               to_hex(token_hash), now);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<std::int64_t>();
  }
  void drop_session(const Bytes& token_hash) override {
    q("DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", to_hex(token_hash));
  }
  void audit(std::int64_t now, std::optional<std::int64_t> account_id, const std::string& serial,
             const std::string& address, const std::string& event, const std::string& detail) override {
    q("INSERT INTO audit(at, account_id, serial, address, event, detail, prefix) VALUES ($1, NULLIF($2, '')::bigint, "
      "$3, $4, $5, $6, $7)",
      now, opt(account_id), serial, address, event, detail, address_prefix(address));
  }
  int count(const CountQuery& cq) override {
    std::vector<std::string> args;
    std::string sql = count_sql(cq, [](int i) { return "$" + std::to_string(i); }, args);
    return q(sql, pqxx::prepare::make_dynamic_params(args))[0][0].as<int>();
  }
  std::vector<std::string> audit_events(std::int64_t account_id) override {
    std::vector<std::string> out;
    for (const auto& row : q("SELECT event FROM audit WHERE account_id = $1 ORDER BY id", account_id))
      out.push_back(row[0].c_str());
    return out;
  }
  std::vector<HistoryEntry> unlock_history(std::int64_t account_id, int limit) override {
    std::vector<HistoryEntry> out;
    for (const auto& row :
         q("SELECT at, serial, event, coalesce(detail, '') FROM audit WHERE serial IN (SELECT serial FROM cards WHERE "
           "account_id = $1) AND event IN ('unlock_authorized', 'unlock_refused', 'code_refused') ORDER BY id DESC "
           "LIMIT $2",
           account_id, limit))
      out.push_back({row[0].as<std::int64_t>(), row[1].c_str(), row[2].c_str(), row[3].c_str()});
    return out;
  }
  void set_national_id(std::int64_t account_id, const std::string& national_id) override {
    q("UPDATE accounts SET national_id = $1 WHERE id = $2", national_id, account_id);
  }
  std::string national_id(std::int64_t account_id) override {
    auto r = q("SELECT coalesce(national_id, '') FROM accounts WHERE id = $1", account_id);
    return r.empty() ? std::string() : std::string(r[0][0].c_str());
  }
  void add_approval(const Approval& a) override {
    q("INSERT INTO approvals(account_id, text_version, at, cert_serial, cert_fingerprint, signature) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      a.account_id, a.text_version, a.at, a.cert_serial, a.cert_fingerprint, a.signature_hex);
  }
  std::optional<Approval> active_approval(std::int64_t account_id) override {
    auto r = q("SELECT id, account_id, text_version, at, cert_serial, cert_fingerprint FROM approvals "
               "WHERE account_id = $1 AND withdrawn_at IS NULL ORDER BY id DESC LIMIT 1",
               account_id);
    if (r.empty()) return std::nullopt;
    return Approval{r[0][0].as<std::int64_t>(), r[0][1].as<std::int64_t>(), r[0][2].c_str(), r[0][3].as<std::int64_t>(),
                    r[0][4].c_str(), r[0][5].c_str(), std::nullopt, {}};
  }
  bool withdraw_approval(std::int64_t account_id, std::int64_t now) override {
    return q("UPDATE approvals SET withdrawn_at = $1 WHERE account_id = $2 AND withdrawn_at IS NULL", now, account_id)
               .affected_rows() > 0;
  }
  bool integrity_ok() override { return q("SELECT 1")[0][0].as<int>() == 1; }

 private:
  static std::unique_ptr<pqxx::connection> connect(const std::string& conninfo) {
    try {
      return std::make_unique<pqxx::connection>(conninfo);
    } catch (const pqxx::broken_connection&) {
      // libpq's message may repeat the connection string, password included: say only that it failed.
      throw std::runtime_error("cannot connect to the PostgreSQL database");
    }
  }
  void begin() override {
    if (!conn_->is_open()) conn_ = connect(conninfo_);  // the server restarted: one new connection per transaction
    tx_ = std::make_unique<pqxx::work>(*conn_);
  }
  void commit() override {
    auto tx = std::move(tx_);
    tx->commit();
  }
  void rollback() override {
    auto tx = std::move(tx_);
    if (tx) tx->abort();
  }
  void insert_card(const CardRecord& c) override {
    q("INSERT INTO cards(serial, account_id, status) VALUES ($1, $2, $3)", c.serial, c.account_id, c.status);
  }
  void move_card(const std::string& serial, std::int64_t account_id) override {
    q("UPDATE cards SET account_id = $1 WHERE serial = $2", account_id, serial);
  }
  // One statement: in the open transaction, or in one of its own (the admin commands outside transaction()).
  template <class... A>
  pqxx::result q(const std::string& sql, A&&... args) {
    if (tx_) return tx_->exec_params(sql, std::forward<A>(args)...);
    if (!conn_->is_open()) conn_ = connect(conninfo_);
    pqxx::work w(*conn_);
    auto r = w.exec_params(sql, std::forward<A>(args)...);
    w.commit();
    return r;
  }

  std::string conninfo_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> tx_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& conninfo) {
  return std::make_unique<PostgresStore>(conninfo);
}

}  // namespace akis::unlockd
