// SPDX-License-Identifier: LGPL-2.1-or-later
#include "store.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>

namespace akis::unlockd {

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

void Store::enrol_card(const CardRecord& c, bool force) {
  auto old = card(c.serial);
  if (!old) return insert_card(c);
  if (old->account_id == c.account_id && old->status != "revoked") return;  // already enrolled: nothing changes
  if (!force)
    throw std::runtime_error("card " + c.serial + (old->account_id != c.account_id ? " is enrolled for another account"
                                                                                  : " is revoked") +
                             "; re-enrolling it needs --force");
  move_card(c.serial, c.account_id);
  audit(static_cast<std::int64_t>(std::time(nullptr)), c.account_id, c.serial, "", "card_reenrolled",
        "from account " + std::to_string(old->account_id) + ", status " + old->status);
}

std::string count_sql(const CountQuery& q, const std::function<std::string(int)>& param, std::vector<std::string>& args) {
  std::string sql = "SELECT count(*) FROM audit WHERE ";
  auto add = [&](const char* column, const std::string& value) {
    args.push_back(value);
    if (args.size() > 1) sql += " AND ";
    sql += std::string(column) + " = " + param(static_cast<int>(args.size()));
  };
  // The equality columns first: they lead the indexes (prefix, event, at) and (account_id, event, at).
  if (!q.prefix.empty()) add("prefix", q.prefix);
  if (q.account_id) add("account_id", std::to_string(*q.account_id));
  add("event", q.event);
  if (!q.serial.empty()) add("serial", q.serial);
  if (!q.detail.empty()) add("detail", q.detail);
  args.push_back(std::to_string(q.since));
  sql += " AND at >= " + param(static_cast<int>(args.size()));
  return sql;
}

std::unique_ptr<Store> open_store(const std::string& data_dir, const std::string& database) {
  if (database.empty() || database == "sqlite") return open_sqlite_store(data_dir + "/unlock.db");
  for (const char* scheme : {"postgresql://", "postgres://"})
    if (database.rfind(scheme, 0) == 0) return open_postgres_store(database);
  if (database.rfind("postgresql:", 0) == 0) return open_postgres_store(database.substr(11));
  throw std::runtime_error("unknown database: give sqlite, a postgresql:// URI or postgresql:CONNINFO");
}

}  // namespace akis::unlockd
