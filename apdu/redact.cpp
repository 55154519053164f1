// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/redact.hpp"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

namespace akis::redact {

namespace {
std::mutex g_mutex;
std::optional<Bytes> g_key;

Bytes random_key() {
  Bytes k(32);
  if (RAND_bytes(k.data(), static_cast<int>(k.size())) != 1) throw std::runtime_error("no random bytes for the report key");
  return k;
}

std::optional<Bytes> read_key(const std::string& path) {
  std::ifstream in(path);
  std::string hex;
  if (!(in >> hex)) return std::nullopt;
  try {
    Bytes k = from_hex(hex);
    if (k.size() >= 16) return k;
  } catch (const std::exception&) {
  }
  return std::nullopt;  // damaged: made again
}

// Written to a temporary file created 0600, then renamed: another process never sees half a key.
std::optional<Bytes> create_key(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  Bytes k = random_key();
  std::string tmp = path + ".tmp" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return std::nullopt;
  std::string text = to_hex(k) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::close(fd) == 0 && ok;
  // link() fails when another process made the key first: theirs is used.
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0) ok = false;
  ::unlink(tmp.c_str());
  if (ok) return k;
  return read_key(path);
}
}  // namespace

std::string key_path() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/akis/report-key";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.config/akis/report-key";
}

const Bytes& key() {
  std::lock_guard lock(g_mutex);
  if (!g_key) {
    const std::string path = key_path();
    g_key = read_key(path);
    if (!g_key) g_key = create_key(path);
    if (!g_key) g_key = random_key();
  }
  return *g_key;
}

void reset_for_tests() {
  std::lock_guard lock(g_mutex);
  g_key.reset();
}

std::string tag(ByteView data) {
  const Bytes& k = key();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), data.data(), data.size(), mac, &len))
    throw std::runtime_error("HMAC-SHA256 failed");
  std::string hex = to_hex(ByteView(mac, 8));
  for (auto& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex;
}

std::string placeholder(ByteView data) {
  return "<" + std::to_string(data.size()) + " bytes #" + tag(data) + ">";
}

}  // namespace akis::redact
