// SPDX-License-Identifier: LGPL-2.1-or-later
// `akis probe`: the card layer's discovery and reads on any card, with every command, nothing that writes.
#include "probe.hpp"

#include <map>

#include "akis/card.hpp"
#include "akis/redact.hpp"
#include "akis/tlv.hpp"
#include "akis/trace.hpp"
#include "cert_summary.hpp"

namespace akis::cli {

using nlohmann::json;

bool allowed_command(ByteView apdu) {
  if (apdu.size() < 4) return false;
  const std::uint8_t cla = apdu[0], ins = apdu[1];
  if (cla & 0x0C) return false;  // secure messaging: never from the probe
  switch (ins) {
    case 0xA4: case 0xB0: case 0xB2: case 0xC0: case 0xCA: return true;
    case 0x18: return (cla & 0xF0) == 0x80;  // LIST FILES 80 18
    case 0x20: return apdu.size() <= 5;       // VERIFY without data (the counter)
    default: return false;
  }
}

namespace {

// Below the recorder: refuses what allowed_command does not allow, and VERIFY without data where the family's
// row does not know it to be free, before anything reaches the card.
class ReadOnlyTransport final : public Transport {
 public:
  explicit ReadOnlyTransport(std::unique_ptr<Transport> inner) : inner_(std::move(inner)) {}
  Bytes transmit(ByteView apdu) override {
    bool ok = allowed_command(apdu);
    if (ok && apdu[1] == 0x20) ok = family_of_atr(inner_->atr()).pin_probe_read_only;
    if (!ok) {
      trace::note("probe: refused to send " + to_hex(apdu.first(std::min<std::size_t>(apdu.size(), 4)), ' '));
      throw CardError(Err::NotSupported, "not sent by the probe (it could change the card)");
    }
    return inner_->transmit(apdu);
  }
  Bytes atr() const override { return inner_->atr(); }
  void begin_transaction() override { inner_->begin_transaction(); }
  void end_transaction() override { inner_->end_transaction(); }
  void reconnect(bool reset) override { inner_->reconnect(reset); }
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<Transport> inner_;
};

const std::map<std::uint32_t, const char*>& fci_meanings() {
  static const std::map<std::uint32_t, const char*> m = {
      {0x6F, "FCI template"}, {0x62, "FCP template"}, {0x64, "FMD template"}, {0x80, "data size"},
      {0x81, "total size"}, {0x82, "file descriptor"}, {0x83, "file identifier"}, {0x84, "DF name"},
      {0x85, "proprietary"}, {0x86, "security attributes"}, {0x88, "short EF identifier"},
      {0x8A, "life cycle status"}, {0x8C, "security attributes (compact)"}, {0xA5, "proprietary template"},
      {0xAB, "security attributes (expanded)"}, {0x90, "AKIS security byte (OpenSC's former driver)"}};
  return m;
}

std::string hex16(std::uint32_t tag) {
  char b[12];
  std::snprintf(b, sizeof b, "%02X", tag);
  return b;
}
std::string sw_of(const Bytes& answer) {
  return answer.size() >= 2 ? to_hex(ByteView(answer).last(2)) : std::string("?");
}
std::string hidden(ByteView b) { return redact::placeholder(b); }
std::string hidden(const std::string& s) { return redact::placeholder(view(s)); }

// Steps: the recorded exchanges, with the card layer's notes where they were made.
json steps(const Recording& rec, const std::vector<std::pair<std::size_t, std::string>>& notes,
           std::map<std::uint32_t, int>& fci_tags) {
  json out = json::array();
  std::size_t n = 0;
  auto notes_until = [&](std::size_t count) {
    while (n < notes.size() && notes[n].first <= count) out.push_back({{"note", notes[n++].second}});
  };
  for (std::size_t i = 0; i < rec.exchanges.size(); ++i) {
    notes_until(i);
    const Exchange& e = rec.exchanges[i];
    ByteView data = ByteView(e.answer).first(e.answer.size() >= 2 ? e.answer.size() - 2 : 0);
    json s{{"command", to_hex(e.command, ' ') + (e.header_only ? " <redacted>" : "")}, {"sw", sw_of(e.answer)}};
    if (!data.empty()) {
      if (e.command[1] == 0xA4) {  // an FCI: file structure, nothing personal
        s["answer"] = to_hex(data, ' ');
        try {
          for (auto& t : parse_tlvs(data)) {
            ++fci_tags[t.tag];
            if (t.constructed)
              for (auto& c : t.children()) ++fci_tags[c.tag];
          }
        } catch (const std::exception&) {
          s["fci"] = "malformed";
        }
      } else {
        s["answer"] = hidden(data);
      }
    }
    out.push_back(s);
  }
  notes_until(rec.exchanges.size());
  return out;
}

json pin_json(const PinInfo& p) {
  return {{"label", p.label},       {"auth_id", to_hex(p.auth_id)},   {"reference", p.reference},
          {"min_length", p.min_length}, {"max_length", p.max_length}, {"unblocking", p.unblocking},
          {"local", p.local},       {"pin_type", static_cast<int>(p.type)}, {"stored_length", p.stored_length},
          {"pad_char", p.pad_char}, {"needs_padding", p.needs_padding}};
}
json key_json(const KeyInfo& k) {
  return {{"label", hidden(k.label)}, {"id", hidden(k.id)}, {"auth_id", to_hex(k.auth_id)},
          {"type", k.type == KeyType::Rsa ? "rsa" : "ec"}, {"usage", k.usage}, {"key_reference", k.key_reference},
          {"has_key_reference", k.has_key_reference}, {"bits", k.bits}, {"user_consent", k.user_consent},
          {"path", to_hex(k.path)}};
}

// The mechanisms the PKCS#11 module offers (pkcs11/mechanism.cpp, which tools do not link), by the kind of key
// they need: tests/evidence/mechanism_test.cpp holds this list to the module's C_GetMechanismList per family.
enum class Needs { Any, Rsa, Ec };
struct OfferedMechanism {
  const char* name;
  Needs needs;
};
const OfferedMechanism kOffered[] = {
    {"CKM_RSA_PKCS", Needs::Rsa},          {"CKM_RSA_X_509", Needs::Rsa},
    {"CKM_SHA1_RSA_PKCS", Needs::Rsa},     {"CKM_SHA224_RSA_PKCS", Needs::Rsa},
    {"CKM_SHA256_RSA_PKCS", Needs::Rsa},   {"CKM_SHA384_RSA_PKCS", Needs::Rsa},
    {"CKM_SHA512_RSA_PKCS", Needs::Rsa},   {"CKM_RSA_PKCS_PSS", Needs::Rsa},
    {"CKM_SHA1_RSA_PKCS_PSS", Needs::Rsa}, {"CKM_SHA224_RSA_PKCS_PSS", Needs::Rsa},
    {"CKM_SHA256_RSA_PKCS_PSS", Needs::Rsa}, {"CKM_SHA384_RSA_PKCS_PSS", Needs::Rsa},
    {"CKM_SHA512_RSA_PKCS_PSS", Needs::Rsa}, {"CKM_RSA_PKCS_OAEP", Needs::Rsa},
    {"CKM_ECDSA", Needs::Ec},              {"CKM_ECDSA_SHA1", Needs::Ec},
    {"CKM_ECDSA_SHA256", Needs::Ec},       {"CKM_ECDSA_SHA384", Needs::Ec},
    {"CKM_ECDSA_SHA512", Needs::Ec},       {"CKM_SHA_1", Needs::Any},
    {"CKM_SHA224", Needs::Any},            {"CKM_SHA256", Needs::Any},
    {"CKM_SHA384", Needs::Any},            {"CKM_SHA512", Needs::Any},
};

// What the PKCS#11 module builds from this profile (pkcs11/: one token, its objects, the mechanisms of its keys).
json module_view(const CardProfile& p, const Family& fam) {
  bool rsa = false, ec = false;
  json key_types = json::array();
  for (auto& k : p.private_keys) {
    rsa |= k.type == KeyType::Rsa;
    ec |= k.type == KeyType::Ec;
    key_types.push_back((k.type == KeyType::Rsa ? "rsa-" : "ec-") + std::to_string(k.bits));
  }
  json mech = json::array();
  for (auto& m : kOffered)
    if (m.needs == Needs::Any || (m.needs == Needs::Rsa ? rsa : ec)) mech.push_back(m.name);
  return {{"token_present", p.user_pin() != nullptr},
          {"objects", {{"certificates", p.certificates.size()}, {"private_keys", p.private_keys.size()},
                       {"public_keys", p.public_keys.size()}}},
          {"mechanisms", mech},
          {"mechanisms_for", {{"family", fam.name}, {"keys", key_types}}},
          {"login", p.puk() ? "user PIN; SO = PUK" : "user PIN; unblocked online by the issuer"}};
}

}  // namespace

ProbeResult run_probe(std::unique_ptr<Transport> transport) {
  auto rec_owned = std::make_unique<RecordingTransport>(std::make_unique<ReadOnlyTransport>(std::move(transport)));
  RecordingTransport* rec = rec_owned.get();
  std::vector<std::pair<std::size_t, std::string>> notes;
  trace::set_sink([&](const std::string& line) {
    auto at = line.find(" # ");
    // The ATR note (for traces that become recordings) is in the report already.
    if (at != std::string::npos && line.compare(at + 3, 4, "ATR ") != 0) notes.emplace_back(rec->count(), line.substr(at + 3));
  });
  struct Restore {
    ~Restore() {
      trace::set_sink(nullptr);
      trace::configure_from_env();
    }
  } restore;

  Card card(std::move(rec_owned));
  json r{{"format", "akis-probe 1"}, {"reader", card.reader()}, {"atr", describe_atr(card.atr())}};
  r["family"] = card.family().name;
  json verdict;
  bool esign = false;
  try {
    esign = card.locked([](AkisCommands& c) { return has_esign_application(c); });
    r["application"] = {{"found", esign}};
    if (esign) r["application"]["how"] = to_string(card.application()->how);
  } catch (const CardError& e) {
    r["application"] = {{"found", false}, {"error", e.what()}};
    verdict = {{"result", "fails"}, {"reason", std::string("discovery stopped: ") + e.what()}};
  }

  // Optional commands: answered, refused (with the card's status), or not sent (not in the family's row).
  json optional;
  auto try_optional = [&](const char* name, auto&& fn) {
    std::size_t before = rec->count();
    try {
      card.locked(fn);
      optional[name] = "answered";
    } catch (const CardError& e) {
      optional[name] = rec->count() == before ? std::string("not sent: ") + e.what() : std::string("refused: ") + e.what();
    }
  };
  try_optional("get_data_serial", [](AkisCommands& c) { c.serial_number(); });
  try_optional("get_data_life_cycle", [](AkisCommands& c) { c.life_cycle(); });
  json files = json::array();
  try_optional("list_files", [&](AkisCommands& c) {
    for (auto& f : c.list_files()) files.push_back(to_hex(Bytes{static_cast<std::uint8_t>(f.fid >> 8),
                                                                static_cast<std::uint8_t>(f.fid)}));
  });
  r["optional_commands"] = optional;
  if (!files.empty()) r["listed_files"] = files;

  if (esign) {
    try {
      const CardProfile& p = card.profile();
      json prof{{"card_serial", hidden(p.card_serial)},
                {"life_cycle", p.life_cycle == LifeCycle::User ? "user" : p.life_cycle == LifeCycle::Admin ? "admin" : "other"},
                {"token", {{"label", hidden(p.token.label)}, {"serial", hidden(p.token.serial_bytes)},
                           {"manufacturer", p.token.manufacturer}}},
                {"skipped", p.skipped}};
      prof["pins"] = json::array();
      for (auto& pin : p.pins) prof["pins"].push_back(pin_json(pin));
      prof["private_keys"] = json::array();
      for (auto& k : p.private_keys) prof["private_keys"].push_back(key_json(k));
      prof["public_keys"] = json::array();
      for (auto& k : p.public_keys) {
        json jk = key_json(k);
        if (!k.path.empty()) {  // the module reads it too (CKA_VALUE of the public key object)
          try {
            jk["value"] = hidden(card.public_key(k));
          } catch (const CardError& e) {
            jk["error"] = e.what();
          }
        }
        prof["public_keys"].push_back(jk);
      }
      prof["certificates"] = json::array();
      for (auto& c : p.certificates) {
        json jc{{"label", hidden(c.label)}, {"id", hidden(c.id)}, {"authority", c.authority},
                {"path", to_hex(c.path)}, {"direct_value", !c.value.empty()}};
        try {
          const Bytes& der = card.certificate(c);
          jc["body"] = hidden(der);
          CertSummary s = summarise_certificate(der);
          jc["holder"] = hidden(s.holder);
          jc["organization"] = hidden(s.organization);
          jc["national_id"] = hidden(s.national_id);
          jc["serial"] = hidden(s.serial);
          jc["issuer"] = s.issuer;
          jc["key"] = s.key_type + " " + std::to_string(s.key_bits);
          jc["not_after"] = iso_date(s.not_after);
        } catch (const std::exception& e) {
          jc["error"] = e.what();
        }
        prof["certificates"].push_back(jc);
      }
      r["profile"] = prof;

      json counters = json::array();
      for (auto& pin : p.pins) {
        json c{{"label", pin.label}, {"reference", pin.reference}};
        try {
          PinStatus st = card.pin_status(pin);
          c["read"] = !st.unknown;
          if (st.unknown)
            c["why_not"] = card.family().pin_probe_read_only ? "the card gives no counter"
                                                              : "the family's VERIFY without data may spend a try";
          else
            c.update({{"tries_left", st.tries_left}, {"verified", st.verified}, {"blocked", st.blocked}});
        } catch (const CardError& e) {
          c["read"] = false;
          c["why_not"] = e.what();
        }
        counters.push_back(c);
      }
      r["counters"] = counters;
      r["module"] = module_view(p, card.family());
      if (verdict.is_null()) {
        if (!p.skipped.empty())
          verdict = {{"result", "works-with-gaps"}, {"reason", std::to_string(p.skipped.size()) + " PKCS#15 objects skipped"}};
        else if (card.atr_info().family == AtrFamily::Unknown)
          verdict = {{"result", "works-unknown-atr"}, {"reason", "PKCS#15 application read; the ATR is not in the AKIS table"}};
        else
          verdict = {{"result", "works"}, {"reason", "PKCS#15 application, PINs, keys and certificates read"}};
      }
    } catch (const CardError& e) {
      r["profile"] = {{"error", e.what()}};
      r["module"] = {{"token_present", false}};
      verdict = {{"result", "fails"}, {"reason", std::string("the profile cannot be read: ") + e.what()}};
    }
  } else {
    r["module"] = {{"token_present", false}};
    if (verdict.is_null())
      verdict = {{"result", "not-esign"},
                 {"reason", "no PKCS#15 application by any discovery step (an identity card, or another application)"}};
  }
  r["verdict"] = verdict;

  // Every way to the application on its own (the card layer stops at the first that works): a real card that
  // answers only some of them tells which row of the family table is right.
  json ways;
  for (Discovery d : {Discovery::DfName, Discovery::FullAid, Discovery::EfDir, Discovery::MfPath}) {
    try {
      bool found = card.locked([&](AkisCommands& c) {
        Family alone = c.family();
        alone.discovery = {d};
        alone.discovery_steps = 1;
        AkisCommands one(c.channel(), alone);
        return one.find_application().has_value();
      });
      ways[to_string(d)] = found ? "found" : "not found";
    } catch (const std::exception& e) {  // a diagnostic extra never ends the probe (nor the replay of an old one)
      ways[to_string(d)] = std::string("stopped: ") + e.what();
    }
  }
  r["discovery_ways"] = ways;

  ProbeResult out;
  out.recording = rec->recording();
  std::map<std::uint32_t, int> tags;
  r["steps"] = steps(out.recording, notes, tags);
  json jt = json::array();
  for (auto& [tag, count] : tags) {
    auto it = fci_meanings().find(tag);
    jt.push_back({{"tag", hex16(tag)}, {"count", count}, {"known", it != fci_meanings().end()},
                  {"meaning", it != fci_meanings().end() ? it->second : "unknown"}});
  }
  r["fci_tags"] = jt;
  out.report = std::move(r);
  return out;
}

}  // namespace akis::cli
