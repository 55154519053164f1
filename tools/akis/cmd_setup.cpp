// SPDX-License-Identifier: LGPL-2.1-or-later
// akis setup: registers the PKCS#11 module in the user's NSS databases with NSS's own modutil, the way
// OpenSC's pkcs11-register does: every Firefox and Thunderbird profile (found through their profiles.ini;
// each profile has its own database) and Chromium's shared database sql:$HOME/.pki/nssdb.
// The databases' pkcs11.txt (NSS's own text list of modules) is read to see what is registered;
// every change goes through modutil.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli.hpp"

namespace fs = std::filesystem;

namespace akis::cli {

namespace {

// The name the module gets in the databases. ASCII: NSS's dialogs have had trouble with other characters.
constexpr const char* kModuleName = "AKIS smart card (akis-pkcs11)";

struct Database {
  std::string program;  // Firefox, Thunderbird, Chromium
  std::string profile;  // the profile's name in profiles.ini
  fs::path dir;
  std::string label() const { return program + (profile.empty() ? "" : " [" + profile + "]") + " " + dir.string(); }
};

struct Entry {
  std::string name, library;
};

// NSS's module list of a database (pkcs11.txt of an sql: database): one block of key=value lines per module.
std::vector<Entry> modules_of(const fs::path& dir) {
  std::vector<Entry> out;
  std::ifstream f(dir / "pkcs11.txt");
  std::string line;
  Entry e;
  auto flush = [&] {
    if (!e.library.empty()) out.push_back(e);
    e = Entry{};
  };
  while (std::getline(f, line)) {
    if (line.empty()) flush();
    else if (line.rfind("library=", 0) == 0) e.library = line.substr(8);
    else if (line.rfind("name=", 0) == 0) e.name = line.substr(5);
  }
  flush();
  return out;
}

bool is_ours(const Entry& e, const std::string& module) {
  std::string base = fs::path(e.library).filename().string();
  return e.library == module || base == "akis-pkcs11.so" || base == "libakisp11.so";
}
bool is_p11kit_proxy(const Entry& e) { return fs::path(e.library).filename().string() == "p11-kit-proxy.so"; }

// The profiles listed in <base>/profiles.ini ([ProfileN] sections: Name=, Path=, IsRelative=).
void mozilla_profiles(const fs::path& base, const std::string& program, std::vector<Database>& out) {
  std::ifstream f(base / "profiles.ini");
  if (!f) return;
  std::string line, name, path;
  bool in_profile = false, relative = true;
  auto flush = [&] {
    if (in_profile && !path.empty()) {
      fs::path dir = relative ? base / path : fs::path(path);
      if (fs::is_directory(dir)) out.push_back({program, name, dir});
    }
    name.clear();
    path.clear();
    relative = true;
  };
  while (std::getline(f, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '[') {
      flush();
      in_profile = line.rfind("[Profile", 0) == 0;
    } else if (line.rfind("Name=", 0) == 0) {
      name = line.substr(5);
    } else if (line.rfind("Path=", 0) == 0) {
      path = line.substr(5);
    } else if (line.rfind("IsRelative=", 0) == 0) {
      relative = line.substr(11) != "0";
    }
  }
  flush();
}

std::vector<Database> find_databases(const fs::path& home) {
  std::vector<Database> out;
  // Firefox 136 and later keep new profiles under $XDG_CONFIG_HOME when ~/.mozilla does not exist.
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  fs::path config = xdg && *xdg ? fs::path(xdg) : home / ".config";
  mozilla_profiles(config / "mozilla/firefox", "Firefox", out);
  mozilla_profiles(config / "thunderbird", "Thunderbird", out);
  for (auto& [dir, program] : std::vector<std::pair<std::string, std::string>>{
           {".mozilla/firefox", "Firefox"},
           {"snap/firefox/common/.mozilla/firefox", "Firefox"},
           {".var/app/org.mozilla.firefox/.mozilla/firefox", "Firefox"},
           {".thunderbird", "Thunderbird"},
           {".mozilla-thunderbird", "Thunderbird"},
           {".var/app/org.mozilla.Thunderbird/.thunderbird", "Thunderbird"}})
    mozilla_profiles(home / dir, program, out);
  // Chromium and Chrome share one database; it exists once either has run (or once we made it for them).
  fs::path pki = home / ".pki/nssdb";
  if (fs::exists(pki) || fs::exists(config / "chromium") || fs::exists(config / "google-chrome"))
    out.push_back({"Chromium", "", pki});
  return out;
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  for (std::size_t at = 0; at <= p.size();) {
    auto end = p.find(':', at);
    if (end == std::string::npos) end = p.size();
    fs::path cand = fs::path(p.substr(at, end - at)) / name;
    if (!cand.empty() && ::access(cand.c_str(), X_OK) == 0) return cand.string();
    at = end + 1;
  }
  return {};
}

// Runs modutil (no shell) and returns its exit status; its output (for the error message) in `out`.
int run(const std::vector<std::string>& argv, std::string& out) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return -1;
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    ::close(pipefd[0]);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(pipefd[1]);
  char buf[1024];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// The last line modutil printed (its reason), without the noise around it.
std::string reason(const std::string& out) {
  std::string s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto at = s.rfind('\n');
  return at == std::string::npos ? s : s.substr(at + 1);
}

// Firefox and Thunderbird keep a `lock` symlink to "host:+pid" while a profile is open.
bool in_use(const Database& db) {
  std::error_code ec;
  fs::path target = fs::read_symlink(db.dir / "lock", ec);
  if (ec) return false;
  auto plus = target.string().rfind('+');
  if (plus == std::string::npos) return false;
  long pid = std::strtol(target.string().c_str() + plus + 1, nullptr, 10);
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

int cmd_setup(const Options& o, const SetupOptions& s) {
  const char* home = std::getenv("HOME");
  if (!home || !*home) throw Failure(kUsage, "HOME is not set");
  std::string modutil = find_program("modutil");
  if (modutil.empty() && !s.check) throw Failure(kNotPossible, msg(M::SetupNoModutil));
  std::string module = s.module.empty() ? std::string(AKIS_MODULE_INSTALLED) : s.module;
  if (!s.check && !s.remove) {
    std::error_code ec;
    fs::path abs = fs::absolute(module, ec);
    if (ec || !fs::exists(abs)) throw Failure(kNotPossible, msg(M::SetupNoModule, module));
    module = abs.lexically_normal().string();
  }
  auto dbs = find_databases(home);
  if (dbs.empty()) throw Failure(kNotPossible, msg(M::SetupNoProfiles));

  nlohmann::json report = nlohmann::json::array();
  int have = 0, failed = 0;  // databases with the module afterwards; databases we could not change
  for (auto& db : dbs) {
    auto mods = modules_of(db.dir);
    const Entry* ours = nullptr;
    bool proxy = false;
    for (auto& m : mods) {
      if (is_ours(m, module) && !ours) ours = &m;
      proxy = proxy || is_p11kit_proxy(m);
    }
    const std::string dbdir = "sql:" + db.dir.string();
    std::string line, state, out;
    bool has = false;
    if (s.check) {
      state = ours ? "registered" : proxy ? "p11-kit" : "not_registered";
      line = ours ? msg(M::SetupRegistered, db.label(), ours->library)
                  : msg(proxy ? M::SetupViaP11Kit : M::SetupNotRegistered, db.label());
      has = ours || proxy;
    } else if (s.remove && !ours) {
      state = "not_registered";
      line = msg(M::SetupNotThere, db.label());
    } else if (!s.remove && (ours || proxy)) {
      state = ours ? "already" : "p11-kit";
      line = msg(ours ? M::SetupAlready : M::SetupViaP11Kit, db.label());
      has = true;
    } else if (in_use(db)) {
      state = "in_use";
      line = msg(M::SetupRunning, db.label());
      has = ours != nullptr;
      ++failed;
    } else {
      int rc = 0;
      if (s.remove) {
        for (auto& m : mods)  // every registration of our module, whatever name it was given
          if (is_ours(m, module) && rc == 0) rc = run({modutil, "-dbdir", dbdir, "-delete", m.name, "-force"}, out);
      } else {
        std::error_code ec;
        if (!fs::exists(db.dir / "cert9.db")) {  // a profile never opened yet, or Chromium's first database
          fs::create_directories(db.dir, ec);
          rc = run({modutil, "-create", "-dbdir", dbdir, "-force"}, out);
        }
        if (rc == 0) rc = run({modutil, "-dbdir", dbdir, "-add", kModuleName, "-libfile", module, "-force"}, out);
      }
      state = rc != 0 ? "failed" : s.remove ? "removed" : "added";
      line = rc != 0 ? msg(M::SetupFailed, db.label(), reason(out))
                     : msg(s.remove ? M::SetupRemoved : M::SetupAdded, db.label());
      has = (rc == 0) != s.remove;
      failed += rc != 0;
    }
    have += has;
    report.push_back({{"program", db.program}, {"profile", db.profile}, {"path", db.dir.string()}, {"state", state}});
    if (!o.json) std::cout << line << "\n";
  }
  if (o.json) {
    std::cout << json_text(report) << "\n";
  } else {
    std::cout << msg(M::SetupSummary, have, dbs.size()) << "\n";
    if (!s.check && failed == 0) std::cout << msg(M::SetupRestart) << "\n";
  }
  if (failed) return kSetupFailed;
  if (s.check && have < static_cast<int>(dbs.size())) return kNotRegistered;
  return kOk;
}

}  // namespace akis::cli
