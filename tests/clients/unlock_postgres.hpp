// SPDX-License-Identifier: LGPL-2.1-or-later
// A PostgreSQL server of the test's own: initdb and postgres from /usr/lib/postgresql/15/bin in a temporary
// directory, a Unix socket in that directory and no TCP listener, stopped by its PID. postgres refuses to run as
// root, so as root it runs as `nobody` (the directory is given to that user); otherwise as the caller.
#pragma once

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "processes.hpp"

namespace akis::test {

class PostgresServer {
 public:
  static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

  PostgresServer() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "akis-pg-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::string out;
    if (::geteuid() == 0) {
      as_ = "setpriv --reuid=nobody --regid=nogroup --clear-groups ";
      run_command("chown nobody:nogroup '" + dir_ + "'", out);
    }
    if (run_command("cd '" + dir_ + "' && " + as_ + kBin + "/initdb -D '" + dir_ + "/data' -U akis --auth=trust -E UTF8 "
                    "--no-sync",
                    out) != 0)
      throw std::runtime_error("initdb failed: " + out);
    std::vector<std::string> argv;
    if (::geteuid() == 0) argv = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
    for (std::string a : {std::string(kBin) + "/postgres", std::string("-D"), dir_ + "/data", std::string("-k"), dir_,
                          std::string("-c"), std::string("listen_addresses="), std::string("-c"),
                          std::string("max_connections=200")})
      argv.push_back(a);
    server_ = Process(argv, "/dev/null");
    for (int i = 0; i < 100; ++i) {
      if (run_command(std::string(kBin) + "/pg_isready -q -h '" + dir_ + "'", out) == 0) {
        if (run_command(std::string(kBin) + "/createdb -h '" + dir_ + "' -U akis akis", out) != 0)
          throw std::runtime_error("createdb failed: " + out);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("postgres did not start");
  }
  ~PostgresServer() {
    if (server_.running()) server_.signal(SIGINT);  // fast shutdown: sessions ended, nothing left running
    server_.stop(std::chrono::milliseconds(5000));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  const std::string& dir() const { return dir_; }
  // What akis-unlockd --database takes.
  std::string database() const { return "postgresql:host=" + dir_ + " dbname=akis user=akis"; }
  // Runs one SQL statement with psql; its output.
  std::string sql(const std::string& statement) const {
    std::string out;
    run_command("psql -X -q -A -t -h '" + dir_ + "' -U akis akis -c \"" + statement + "\"", out);
    return out;
  }

 private:
  std::string dir_, as_;
  Process server_;
};

}  // namespace akis::test
