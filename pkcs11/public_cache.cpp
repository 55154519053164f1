// SPDX-License-Identifier: LGPL-2.1-or-later
#include "public_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "log.hpp"
#include "private_dir.hpp"

namespace akis::p11::public_cache {

namespace {
constexpr const char* kMagic = "akis-public-cache 2";  // 2: app, read_le and sfi lines (1 is re-read)

bool private_dir(const std::string& d) { return p11::private_dir(d, "public cache"); }

std::string or_dash(ByteView b) { return b.empty() ? "-" : to_hex(b); }
Bytes from_dash(std::string_view s) { return s == "-" ? Bytes{} : from_hex(s); }
// A small decimal number (no sign, no leading zero), nullopt otherwise.
std::optional<unsigned> small_number(std::string_view s, unsigned max) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  unsigned v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  return v <= max ? std::optional<unsigned>(v) : std::nullopt;
}

std::string cache_dir() {
  std::string base;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg == '/') {
    base = xdg;
  } else {
    const char* home = std::getenv("HOME");
    if (!home || *home != '/') return {};
    base = std::string(home) + "/.cache";
  }
  // The base may be shared with other programs (0755 is usual): made 0700 if we create it, never trusted as ours.
  if (::mkdir(base.c_str(), 0700) != 0 && errno != EEXIST) return {};
  std::string d = base + "/akis";
  return private_dir(d) ? d : std::string();
}
}  // namespace

std::string encode(const PublicContent& c) {
  std::ostringstream o;
  o << kMagic << "\natr " << to_hex(c.atr) << "\nserial " << to_hex(c.serial) << "\nlife "
    << static_cast<int>(c.life_cycle) << "\napp " << static_cast<int>(c.app.how) << ' ' << or_dash(c.app.df_name)
    << ' ' << or_dash(c.app.path) << "\nread_le " << c.read_le << '\n';
  for (auto& [path, data] : c.directory) o << "dir " << to_hex(path) << ' ' << to_hex(data) << '\n';
  for (auto& [path, sfi] : c.sfi) o << "sfi " << to_hex(path) << ' ' << static_cast<int>(sfi) << '\n';
  for (auto& [path, data] : c.files) o << "file " << to_hex(path) << ' ' << to_hex(data) << '\n';
  return o.str();
}

std::optional<PublicContent> decode(std::string_view text) {
  if (text.size() > kMaxSize) return std::nullopt;
  PublicContent c;
  bool magic = false, atr = false, serial = false, life = false, app = false, read_le = false;
  try {
    while (!text.empty()) {
      auto nl = text.find('\n');
      if (nl == std::string_view::npos) return std::nullopt;  // a cut-off file
      std::string_view line = text.substr(0, nl);
      text.remove_prefix(nl + 1);
      if (!magic) {
        if (line != kMagic) return std::nullopt;
        magic = true;
        continue;
      }
      auto sp = line.find(' ');
      if (sp == std::string_view::npos) return std::nullopt;
      std::string_view key = line.substr(0, sp), rest = line.substr(sp + 1);
      if (key == "atr" && !atr) {
        c.atr = from_hex(rest), atr = true;
      } else if (key == "serial" && !serial) {
        c.serial = from_hex(rest), serial = true;
      } else if (key == "life" && !life) {
        if (rest != "0" && rest != "1" && rest != "2") return std::nullopt;
        c.life_cycle = static_cast<LifeCycle>(rest[0] - '0'), life = true;
      } else if (key == "app" && !app) {
        // how (Discovery), DF name, path: "-" for an empty one; one of the two must be given
        auto a = rest.find(' '), b = rest.rfind(' ');
        if (a == std::string_view::npos || a == b) return std::nullopt;
        auto how = small_number(rest.substr(0, a), static_cast<unsigned>(Discovery::MfPath));
        if (!how) return std::nullopt;
        c.app.how = static_cast<Discovery>(*how);
        c.app.df_name = from_dash(rest.substr(a + 1, b - a - 1));
        c.app.path = from_dash(rest.substr(b + 1));
        if ((c.app.df_name.empty() && c.app.path.empty()) || c.app.path.size() % 2) return std::nullopt;
        app = true;
      } else if (key == "read_le" && !read_le) {
        auto n = small_number(rest, 256);
        if (!n) return std::nullopt;
        c.read_le = *n, read_le = true;
      } else if (key == "sfi") {
        auto sp2 = rest.find(' ');
        if (sp2 == std::string_view::npos) return std::nullopt;
        Bytes path = from_hex(rest.substr(0, sp2));
        auto n = small_number(rest.substr(sp2 + 1), 30);
        if (path.empty() || path.size() % 2 || !n || *n == 0) return std::nullopt;
        if (!c.sfi.emplace(std::move(path), static_cast<std::uint8_t>(*n)).second) return std::nullopt;
      } else if (key == "dir" || key == "file") {
        auto sp2 = rest.find(' ');
        if (sp2 == std::string_view::npos) return std::nullopt;
        Bytes path = from_hex(rest.substr(0, sp2));
        if (path.empty() || path.size() % 2) return std::nullopt;
        auto& into = key == "dir" ? c.directory : c.files;
        if (!into.emplace(std::move(path), from_hex(rest.substr(sp2 + 1))).second) return std::nullopt;
      } else {
        return std::nullopt;
      }
    }
  } catch (const std::exception&) {  // not hex
    return std::nullopt;
  }
  if (!magic || !atr || !serial || !life || !app || !read_le || c.atr.empty() || c.serial.empty()) return std::nullopt;
  return c;
}

std::string path_for(ByteView serial) {
  if (serial.empty() || serial.size() > 64) return {};
  std::string d = cache_dir();
  return d.empty() ? std::string() : d + "/card-" + to_hex(serial);
}

std::optional<PublicContent> load(ByteView serial) {
  std::string p = path_for(serial);
  if (p.empty()) return std::nullopt;
  int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid() && !(st.st_mode & 077) &&
      static_cast<std::size_t>(st.st_size) <= kMaxSize) {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < text.size()) {
      ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    text.resize(got);
  } else {
    log::error("public cache: %s is not a private file of this user; ignored", p.c_str());
  }
  ::close(fd);
  auto c = decode(text);
  if (!c && !text.empty()) log::info("public cache: %s does not parse; ignored", p.c_str());
  return c;
}

void store(const PublicContent& c) {
  std::string p = path_for(c.serial);
  if (p.empty()) return;
  std::string text = encode(c);
  if (text.size() > kMaxSize) return;
  std::string tmp = p + ".tmp-" + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    log::error("public cache: cannot write %s", tmp.c_str());
    return;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  bool ok = done == text.size() && ::fchmod(fd, 0600) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), p.c_str()) != 0) {
    ::unlink(tmp.c_str());
    log::error("public cache: cannot write %s", p.c_str());
  }
}

bool any() {
  std::string d = cache_dir();
  if (d.empty()) return false;
  DIR* dir = ::opendir(d.c_str());
  if (!dir) return false;
  bool found = false;
  while (const dirent* e = ::readdir(dir)) {
    std::string_view name = e->d_name;
    if (name.starts_with("card-") && name.find(".tmp-") == std::string_view::npos) {
      found = true;
      break;
    }
  }
  ::closedir(dir);
  return found;
}

void remove(ByteView serial) {
  std::string p = path_for(serial);
  if (!p.empty()) ::unlink(p.c_str());
}

}  // namespace akis::p11::public_cache
