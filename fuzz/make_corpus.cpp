// SPDX-License-Identifier: LGPL-2.1-or-later
// Writes the seed corpora of the fuzz targets from personalised virtual cards: the real files, FCIs and
// answers of each personality, and the APDUs the card layer sends them. Hand-made seeds for known bugs
// are derived from the same real files (seeds.cpp). Usage: fuzz_make_corpus <fuzz/corpus dir>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "akis/card.hpp"
#include "akis/tlv.hpp"
#include "channel_ops.hpp"
#include "fake_card.hpp"
#include "in_process.hpp"
#include "personalise.hpp"
#include "seeds.hpp"

using namespace akis;
namespace fs = std::filesystem;

namespace {

fs::path g_root;

void write(const std::string& corpus, const std::string& name, ByteView data) {
  fs::create_directories(g_root / corpus);
  std::ofstream(g_root / corpus / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}
void write(const std::string& corpus, const std::string& name, const std::string& text) { write(corpus, name, view(text)); }

Bytes answer(vcard::VirtualCard& card, const std::string& apdu_hex) { return card.process(from_hex(apdu_hex)); }
Bytes data_of(const Bytes& r) { return r.size() >= 2 && r[r.size() - 2] == 0x90 ? Bytes(r.begin(), r.end() - 2) : Bytes{}; }

// Records every APDU and answer that pass through.
class Recorder final : public Transport {
 public:
  explicit Recorder(Transport& t) : t_(t) {}
  Bytes transmit(ByteView apdu) override {
    Bytes r = t_.transmit(apdu);
    commands.emplace_back(apdu.begin(), apdu.end());
    answers.push_back(r);
    return r;
  }
  Bytes atr() const override { return t_.atr(); }
  std::string name() const override { return t_.name(); }
  std::vector<Bytes> commands, answers;

 private:
  Transport& t_;
};

Bytes length_prefixed(const std::vector<Bytes>& items) {
  Bytes out;
  for (auto& i : items) {
    out.push_back(static_cast<std::uint8_t>(i.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(i.size()));
    append(out, i);
  }
  return out;
}

// The card as a FakeCard: every file with the FCI the card answers, DF names, GET DATA and PSO answers.
fuzz::FakeCard fake_of(const vcard::CardState& s) {
  vcard::VirtualCard card(s);
  fuzz::FakeCard f;
  f.atr = s.atr;
  for (auto& file : s.files) {
    Bytes path = file.path;
    Bytes select = path.size() == 2 ? from_hex("00A40000023F0000") : from_hex("00A40800");
    if (path.size() > 2) {
      select.push_back(static_cast<std::uint8_t>(path.size() - 2));
      select.insert(select.end(), path.begin() + 2, path.end());
      select.push_back(0x00);
    }
    f.files.push_back({path, file.is_df, data_of(card.process(select)), file.data});
    if (file.is_df && !file.df_name.empty()) f.names.emplace_back(file.df_name, path);
  }
  f.answers[{0xCA, 0x01, 0x06}].push_back(answer(card, "00CA01064D"));
  f.answers[{0xCA, 0x01, 0x04}].push_back(answer(card, "00CA01040A"));
  Bytes sig(256, 0x5A);
  append(sig, Bytes{0x90, 0x00});
  f.answers[{0x2A, 0x9E, 0x9A}].push_back(sig);
  Bytes block{0x00, 0x02};  // PKCS#1 type 2: 00 02 PS 00 M
  block.resize(256 - 17, 0x77);
  block.push_back(0x00);
  block.resize(256, 0x4D);
  append(block, Bytes{0x90, 0x00});
  f.answers[{0x2A, 0x80, 0x86}].push_back(block);
  return f;
}

// One session of the card layer; the virtual card records what a real session sends.
std::vector<Bytes> card_session(const vcard::CardState& s) {
  auto vc = std::make_shared<vcard::VirtualCard>(s);
  vcard::InProcessTransport inner(vc);
  auto rec = std::make_unique<Recorder>(inner);
  Recorder* r = rec.get();
  Card card(std::move(rec));
  try {
    const CardProfile& p = card.profile();
    for (auto& c : p.certificates) card.certificate(c);
    if (auto* pin = p.user_pin()) {
      card.pin_status(*pin);
      card.verify(*pin, Secret("123456"));
    }
    for (auto& k : p.private_keys) {
      try { card.sign(k, Bytes(32, 0x11)); } catch (const CardError&) {}
      try { card.decipher(k, Bytes(256, 0x01)); } catch (const CardError&) {}
    }
    card.random(16);
    if (auto* pin = p.user_pin()) card.change_pin(*pin, Secret("123456"), Secret("654321"));
    card.logout();
  } catch (const CardError& e) {
    std::cerr << "card session: " << e.what() << "\n";
  }
  return r->commands;
}

// The channel target's input: max_recv choice, operations, the card's recorded answers.
Bytes channel_seed(const vcard::CardState& s, bool t0, const Bytes& ops) {
  vcard::CardOptions o;
  o.t0 = t0;
  vcard::InProcessTransport inner(std::make_shared<vcard::VirtualCard>(s, std::string(), o));
  Recorder rec(inner);
  Channel ch(rec);
  AkisCommands cmds(ch);
  for (auto op : ops) {
    try { fuzz::run_channel_op(cmds, op); } catch (const CardError&) {}
  }
  const std::uint8_t family = s.family == "1.0" ? 1 : s.family == "1x" ? 2 : 3;  // fuzz_channel.cpp: byte 0
  Bytes out{static_cast<std::uint8_t>(family << 2), static_cast<std::uint8_t>(ops.size())};
  append(out, ops);
  append(out, length_prefixed(rec.answers));
  return out;
}

void card_files(const std::string& name, const vcard::CardState& s, std::size_t read_limit) {
  auto file = [&](std::initializer_list<std::uint8_t> tail) -> const Bytes* {
    for (auto& f : s.files)
      if (f.path.size() >= 2 && std::equal(tail.begin(), tail.end(), f.path.end() - 2)) return &f.data;
    return nullptr;
  };
  if (auto* odf = file({0x50, 0x31})) {
    write("odf", name, *odf);
    write("tlv", name + "-odf", *odf);
    OdfEntries e = parse_odf(*odf);
    auto each = [&](const std::vector<Bytes>& paths, const char* corpus) {
      for (auto& p : paths) {
        Bytes full = p;
        if (full.size() < 2 || full[0] != 0x3F || full[1] != 0x00) full.insert(full.begin(), {0x3F, 0x00});
        for (auto& f : s.files)
          if (f.path == full || (f.path.size() >= p.size() && std::equal(p.begin(), p.end(), f.path.end() - static_cast<std::ptrdiff_t>(p.size()))))
            write(corpus, name, f.data);
      }
    };
    each(e.aodf, "aodf");
    each(e.prkdf, "prkdf");
    each(e.pukdf, "pukdf");
    each(e.cdf, "cdf");
    each(e.dodf, "dodf");
  }
  if (auto* ti = file({0x50, 0x32})) write("token_info", name, *ti);
  fuzz::FakeCard fake = fake_of(s);
  fake.read_limit = read_limit;
  write("card", name, fake.serialise());
  int n = 0;
  for (auto& f : fake.files)
    if (!f.fci.empty() && n++ < 4) write("fci", name + "-" + to_hex(f.path), f.fci);
  auto cmds = card_session(s);
  Bytes apdus{0x00};
  append(apdus, length_prefixed(cmds));
  write("vcard_apdu", name, apdus);
  apdus[0] = 0x01;  // the same session in T=0
  write("vcard_apdu", name + "-t0", apdus);
  const Bytes ops = {19, 0, 17, 2, 20, 1, 3, 5, 6, 7, 8, 9, 8, 11, 12, 13, 16, 18, 15};
  write("channel", name, channel_seed(s, false, ops));
  write("channel", name + "-t0", channel_seed(s, true, ops));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_make_corpus <fuzz/corpus directory>\n";
    return 2;
  }
  g_root = argv[1];
  const fuzz::Writer bytes_writer = [](const std::string& c, const std::string& n, ByteView d) { write(c, n, d); };
  fs::path tmp = fs::temp_directory_path() / "akis-fuzz-corpus-ca";
  struct Personality {
    const char* name;
    vcard::PersonaliseOptions o;
    std::size_t read_limit = 0;  // the FakeCard answers at most this many bytes per READ BINARY
  };
  std::vector<Personality> cards;
  auto add = [&](const char* name, auto&& tweak) {
    vcard::PersonaliseOptions o;
    o.ca_dir = (tmp / "ca").string();
    o.issuer_master_file = (tmp / "issuer-master.hex").string();
    o.serial_hex = "0102030405060708090A0B0C";
    tweak(o);
    cards.push_back({name, o});
  };
  add("v10-post2011", [](auto& o) { o.family = "1.0"; });
  add("2x-pre2011-ec", [](auto& o) { o.pre2011 = true; o.ec_key = true; });
  add("1x-seal", [](auto& o) { o.family = "1x"; o.seal = true; o.second_rsa = true; });
  // Personalities (tools/vcard/quirks.hpp): layouts a real card may have.
  add("2x-quirks-layout", [](auto& o) {
    o.ec_key = true;
    o.quirks = {"fci-no-security", "fcp-template", "app-by-efdir", "odf-relative-paths",
                "no-pin-reference", "no-key-reference", "empty-path", "pin-min-0", "pin-padded",
                "ec-explicit-params", "fci-extra-tags", "directory-padded"};
  });
  cards.back().read_limit = 128;
  add("1x-quirks-direct", [](auto& o) {
    o.family = "1x";
    o.pre2011 = true;
    o.quirks = {"cert-direct-value", "issuer-cert", "no-pukdf", "fci-no-size", "get-data-short", "app-by-aid-only"};
  });
  for (auto& c : cards) {
    std::cerr << "personalising " << c.name << "\n";
    vcard::CardState s = vcard::personalise(c.o);
    card_files(c.name, s, c.read_limit);
    if (std::string(c.name) == "v10-post2011") write("vcard_state", std::string(c.name) + ".json", vcard::to_json(s));
    if (std::string(c.name) == "1x-seal") fuzz::write_bug_seeds(s, fake_of(s), bytes_writer);
  }
  fuzz::write_hand_seeds(bytes_writer);
  return 0;
}
