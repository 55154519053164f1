// SPDX-License-Identifier: LGPL-2.1-or-later
#include "card_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace akis::vcard {

using nlohmann::json;

namespace {
bool same(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

std::string access_name(Access a) { return a == Access::Always ? "always" : a == Access::Never ? "never" : "pin"; }
Access access_from(const std::string& s) {
  if (s == "always") return Access::Always;
  if (s == "never") return Access::Never;
  if (s == "pin") return Access::Pin;
  throw std::runtime_error("unknown access rule '" + s + "'");
}

// An integer field in the range of T. nlohmann's get<T> converts 1e300 (undefined behaviour) or 300 (to a
// uint8_t) without a word; a damaged state file must be refused instead.
template <class T>
T integer(const json& j, const char* key) {
  const json& v = j.at(key);
  if (v.is_number_unsigned() && std::in_range<T>(v.get<std::uint64_t>())) return static_cast<T>(v.get<std::uint64_t>());
  if (v.is_number_integer() && !v.is_number_unsigned() && std::in_range<T>(v.get<std::int64_t>()))
    return static_cast<T>(v.get<std::int64_t>());
  throw std::runtime_error(std::string("card state file: '") + key + "' is not an integer in range");
}
}  // namespace

File* CardState::file(ByteView path) {
  for (auto& f : files)
    if (same(f.path, path)) return &f;
  return nullptr;
}
PinObject* CardState::pin(std::uint8_t ref) {
  for (auto& p : pins)
    if (p.ref == ref) return &p;
  return nullptr;
}
KeyObject* CardState::key(std::uint8_t ref) {
  for (auto& k : keys)
    if (k.ref == ref) return &k;
  return nullptr;
}
AuthKey* CardState::auth_key(std::uint8_t ref) {
  for (auto& k : auth_keys)
    if (k.ref == ref) return &k;
  return nullptr;
}

std::string to_json(const CardState& s) {
  json j;
  j["format"] = s.format;
  j["family"] = s.family;
  j["atr"] = to_hex(s.atr);
  j["serial"] = to_hex(s.serial);
  j["life_cycle"] = s.life_cycle;
  j["files"] = json::array();
  for (auto& f : s.files) {
    json jf{{"path", to_hex(f.path)}, {"df", f.is_df}, {"read", access_name(f.read)},
            {"write", access_name(f.write)}, {"pin_ref", f.pin_ref}};
    if (f.internal) jf["internal"] = true;
    if (f.sfi) jf["sfi"] = f.sfi;
    if (f.is_df) jf["name"] = to_hex(f.df_name);
    else jf["data"] = to_hex(f.data);
    j["files"].push_back(jf);
  }
  j["pins"] = json::array();
  for (auto& p : s.pins) {
    json jp{{"ref", p.ref}, {"df", to_hex(p.df)}, {"value", to_hex(p.value)}, {"tries_left", p.tries_left},
            {"max_tries", p.max_tries}, {"min_len", p.min_len}, {"max_len", p.max_len}};
    if (p.stored_len) {
      jp["stored_len"] = p.stored_len;
      jp["pad_char"] = p.pad_char;
    }
    if (p.puk_ref) jp["puk_ref"] = *p.puk_ref;
    if (p.unblock_key) jp["unblock_key"] = *p.unblock_key;
    j["pins"].push_back(jp);
  }
  j["keys"] = json::array();
  for (auto& k : s.keys)
    j["keys"].push_back({{"ref", k.ref}, {"df", to_hex(k.df)}, {"type", k.type}, {"pkcs8", to_hex(k.pkcs8)},
                         {"pin_ref", k.pin_ref}, {"user_consent", k.user_consent}, {"sign", k.can_sign},
                         {"decrypt", k.can_decrypt}, {"path", to_hex(k.path)}});
  j["auth_keys"] = json::array();
  for (auto& a : s.auth_keys)
    j["auth_keys"].push_back(
        {{"ref", a.ref}, {"secret", to_hex(a.secret)}, {"tries_left", a.tries_left}, {"max_tries", a.max_tries}});
  j["quirks"] = s.quirks;
  return j.dump(1);
}

CardState from_json(const std::string& text) {
  try {
    json j = json::parse(text);
    CardState s;
    s.format = integer<int>(j, "format");
    if (s.format != 1) throw std::runtime_error("unsupported state format");
    s.family = j.at("family").get<std::string>();
    s.atr = from_hex(j.at("atr").get<std::string>());
    s.serial = from_hex(j.at("serial").get<std::string>());
    s.life_cycle = integer<std::uint8_t>(j, "life_cycle");
    for (auto& jf : j.at("files")) {
      File f;
      f.path = from_hex(jf.at("path").get<std::string>());
      f.is_df = jf.at("df").get<bool>();
      f.read = access_from(jf.at("read").get<std::string>());
      f.write = access_from(jf.at("write").get<std::string>());
      f.pin_ref = integer<std::uint8_t>(jf, "pin_ref");
      f.internal = jf.value("internal", false);
      if (jf.contains("sfi")) f.sfi = integer<std::uint8_t>(jf, "sfi");
      if (f.sfi > 30) throw std::runtime_error("card state file: 'sfi' is not a short EF identifier (1..30)");
      if (f.is_df) f.df_name = from_hex(jf.at("name").get<std::string>());
      else f.data = from_hex(jf.at("data").get<std::string>());
      s.files.push_back(std::move(f));
    }
    for (auto& jp : j.at("pins")) {
      PinObject p;
      p.ref = integer<std::uint8_t>(jp, "ref");
      p.df = from_hex(jp.at("df").get<std::string>());
      p.value = from_hex(jp.at("value").get<std::string>());
      p.tries_left = integer<int>(jp, "tries_left");
      p.max_tries = integer<int>(jp, "max_tries");
      p.min_len = integer<std::size_t>(jp, "min_len");
      p.max_len = integer<std::size_t>(jp, "max_len");
      p.stored_len = jp.value("stored_len", std::size_t{0});
      p.pad_char = jp.value("pad_char", std::uint8_t{0xFF});
      if (jp.contains("puk_ref")) p.puk_ref = integer<std::uint8_t>(jp, "puk_ref");
      if (jp.contains("unblock_key")) p.unblock_key = integer<std::uint8_t>(jp, "unblock_key");
      s.pins.push_back(std::move(p));
    }
    for (auto& jk : j.at("keys")) {
      KeyObject k;
      k.ref = integer<std::uint8_t>(jk, "ref");
      k.df = from_hex(jk.at("df").get<std::string>());
      k.type = jk.at("type").get<std::string>();
      k.pkcs8 = from_hex(jk.at("pkcs8").get<std::string>());
      k.pin_ref = integer<std::uint8_t>(jk, "pin_ref");
      k.user_consent = jk.at("user_consent").get<bool>();
      k.can_sign = jk.at("sign").get<bool>();
      k.can_decrypt = jk.at("decrypt").get<bool>();
      k.path = from_hex(jk.value("path", std::string{}));
      s.keys.push_back(std::move(k));
    }
    for (auto& ja : j.at("auth_keys")) {
      AuthKey a;
      a.ref = integer<std::uint8_t>(ja, "ref");
      a.secret = from_hex(ja.at("secret").get<std::string>());
      a.tries_left = integer<int>(ja, "tries_left");
      a.max_tries = integer<int>(ja, "max_tries");
      s.auth_keys.push_back(std::move(a));
    }
    if (j.contains("quirks")) s.quirks = j["quirks"].get<std::vector<std::string>>();
    return s;
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("card state file: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("card state file: ") + e.what());
  }
}

namespace {
void write_all(int fd, const std::string& data, const std::string& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("write " + path + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}
}  // namespace

void save_atomically(const CardState& s, const std::string& path) {
  const std::string text = to_json(s);
  // One fixed temporary name: a save killed midway leaves at most this file, which the next save
  // truncates and remove_stale_temp() deletes when the card starts.
  const std::string tmp = temp_path_for(path);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("open " + tmp + ": " + std::strerror(errno));
  try {
    write_all(fd, text, tmp);
    if (::fsync(fd) != 0) throw std::runtime_error("fsync " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("rename " + tmp + ": " + std::strerror(e));
  }
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string temp_path_for(const std::string& path) { return path + ".tmp"; }

void remove_stale_temp(const std::string& path) {
  ::unlink(temp_path_for(path).c_str());
  // Older versions named the temporary file after the saving process: path.tmp.<pid>.
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  std::string prefix = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1) + ".tmp.";
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(dir.empty() ? "/" : dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) std::filesystem::remove(e.path(), ec);
  }
}

CardState load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open card state " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return from_json(ss.str());
}

Bytes atr_for_family(const std::string& family) {
  if (family == "1.0") return from_hex("3BBA11008131FE4D55454B41452056312E30AE");
  Bytes atr;
  if (family == "1x") atr = from_hex("3B9F968131FE45806755454B41451252318073B3A18000");
  else if (family == "2x") atr = from_hex("3B9F978131FE458065544353228231C073F621808105" "00");
  else throw std::runtime_error("unknown card family '" + family + "' (1.0, 1x or 2x)");
  // TCK: XOR of every byte from T0 to the byte before TCK.
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i + 1 < atr.size(); ++i) tck ^= atr[i];
  atr.back() = tck;
  return atr;
}

}  // namespace akis::vcard
