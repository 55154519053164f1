// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cards.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

namespace akis::test {

namespace fs = std::filesystem;

const std::string& temp_dir() {
  static const std::string dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "akis-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    static std::string keep = tmpl;
    std::atexit([] { std::error_code ec; fs::remove_all(keep, ec); });
    return tmpl;
  }();
  return dir;
}

std::string ca_cert_path() { return temp_dir() + "/ca/ca-cert.pem"; }
std::string issuer_master_path() { return temp_dir() + "/issuer-master.hex"; }

vcard::PersonaliseOptions options_for(Variant v) {
  vcard::PersonaliseOptions o;
  o.ca_dir = temp_dir() + "/ca";
  o.issuer_master_file = issuer_master_path();
  switch (v) {
    case Variant::Pre2011:
      o.pre2011 = true;
      o.ec_key = true;
      o.second_rsa = true;
      o.national_id = "10000000146";
      break;
    case Variant::Post2011: break;
    case Variant::Seal:
      o.seal = true;
      o.second_rsa = true;
      o.national_id = "1234567890";
      break;
    case Variant::IdCard: o.esign_app = false; break;
    case Variant::AlwaysAuth: o.always_authenticate = true; break;
  }
  return o;
}

const vcard::CardState& card_state(Variant v) {
  static std::mutex m;
  static std::map<Variant, vcard::CardState> cache;
  std::lock_guard lock(m);
  auto it = cache.find(v);
  if (it == cache.end()) it = cache.emplace(v, vcard::personalise(options_for(v))).first;
  return it->second;
}

vcard::PersonaliseOptions personality_options(const std::string& family, const std::vector<std::string>& quirks,
                                              bool puk) {
  vcard::PersonaliseOptions o = options_for(Variant::Pre2011);
  o.pre2011 = puk;
  o.family = family;
  o.second_rsa = false;
  o.ec_key = family == "2x";
  o.quirks = quirks;
  return o;
}

const vcard::CardMaterial& material_for(const std::string& family, bool puk) {
  static std::mutex m;
  static std::map<std::pair<std::string, bool>, vcard::CardMaterial> cache;
  std::lock_guard lock(m);
  auto key = std::make_pair(family, puk);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, vcard::make_material(personality_options(family, {}, puk))).first;
  return it->second;
}

vcard::CardState personality_state(const std::string& family, const std::vector<std::string>& quirks, bool puk) {
  return vcard::build_card(personality_options(family, quirks, puk), material_for(family, puk));
}

InProcessCard make_card(Variant v, bool t0, const std::string& save_path) {
  vcard::CardOptions co;
  co.t0 = t0;
  InProcessCard c;
  c.card = std::make_shared<vcard::VirtualCard>(card_state(v), save_path, co);
  c.owned = std::make_unique<vcard::InProcessTransport>(c.card);
  c.transport = c.owned.get();
  return c;
}

}  // namespace akis::test
