// SPDX-License-Identifier: LGPL-2.1-or-later
// The cross-process cache of public content (pkcs11/public_cache.*, apdu/akis/card_cache.cpp): a fresh load of a
// known card sends GET DATA and reads its CDF (by short EF identifier where the card has them), a CDF changed by
// another program or another DF left current is seen, another card's cache is never answered, and a corrupt or
// foreign cache file is ignored and rewritten. A "fresh process" is C_Finalize + C_Initialize: the module keeps
// nothing of a card across them (new Card, new Token), so only the file carries over.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "akis/card.hpp"
#include "p11_fixture.hpp"
#include "public_cache.hpp"

namespace akis::test {
namespace {

namespace fs = std::filesystem;

// The CDF of a virtual card (3F00 5015 4404) and the READ BINARY commands for it and one byte more, 244 a time.
const vcard::File& cdf_of(const vcard::CardState& s) {
  for (auto& f : s.files)
    if (to_hex(f.path) == "3F0050154404") return f;
  throw std::runtime_error("no CDF");
}
std::size_t cdf_reads(const vcard::CardState& s) { return (cdf_of(s).data.size() + 1 + 243) / 244; }

class PublicCache : public P11 {
 protected:
  void SetUp() override {
    static int n = 0;
    dir_ = temp_dir() + "/xdg-cache-" + std::to_string(++n);
    fs::create_directories(dir_);
    ::setenv("XDG_CACHE_HOME", dir_.c_str(), 1);
    ::setenv("AKIS_PKCS11_PUBLIC_CACHE", "yes", 1);
    P11::SetUp();
  }
  void TearDown() override {
    P11::TearDown();
    ::unsetenv("AKIS_PKCS11_PUBLIC_CACHE");
    ::unsetenv("XDG_CACHE_HOME");
  }
  // C_Initialize, list the certificates, C_Finalize: the commands it cost and the certificates' values.
  std::size_t load_and_list(std::vector<Bytes>* certs = nullptr) {
    std::size_t before = readers().commands();
    init();
    CK_SESSION_HANDLE h = open(false);
    std::vector<Bytes> values;
    for (auto o : find_class(h, CKO_CERTIFICATE)) values.push_back(get(h, o, CKA_VALUE));
    std::size_t used = readers().commands() - before;
    f->C_Finalize(nullptr);
    if (certs) *certs = values;
    return used;
  }
  std::string file_of(Variant v) { return p11::public_cache::path_for(card_state(v).serial); }
  std::shared_ptr<vcard::VirtualCard> insert_state(const vcard::CardState& s) {
    auto card = std::make_shared<vcard::VirtualCard>(s);
    readers().insert(kReaderA, card);
    return card;
  }

  static mode_t mode_of(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  }
  static void write_file(const std::string& p, const std::string& text) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  }
  static std::string read_text(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string dir_;
};

TEST_F(PublicCache, SecondLoadIsGetDataAndTheCdfByItsShortIdentifier) {
  for (Variant v : {Variant::Post2011, Variant::Pre2011}) {
    insert(v);
    std::vector<Bytes> first, second;
    std::size_t cold = load_and_list(&first);
    ASSERT_TRUE(fs::exists(file_of(v)));
    std::size_t warm = load_and_list(&second);
    EXPECT_EQ(first, second);
    ASSERT_FALSE(first.empty());
    // GET DATA serial + READ BINARY of the CDF by SFI in the DF the last load left current: no SELECT at all.
    EXPECT_EQ(warm, 1 + cdf_reads(card_state(v))) << "cold " << cold;
    if (v == Variant::Post2011) {
      EXPECT_EQ(warm, 2u);
    }
    std::cout << "card " << static_cast<int>(v) << ": " << first.size() << " certificates, CDF "
              << cdf_of(card_state(v)).data.size() << " bytes, " << cold << " commands without the cache, " << warm
              << " with it\n";
    readers().remove(kReaderA);
  }
}

// Per personality: without SFIs (1.0, 1x, 2x + no-sfi) the CDF is SELECTed by path and read; where GET DATA is
// refused (or the ATR is not AKİS: no GET DATA at all) the application is found and TokenInfo gives the serial.
TEST_F(PublicCache, FreshProcessCostPerPersonality) {
  struct Row {
    std::string family;
    std::vector<std::string> quirks;
    bool generic_atr;
    std::size_t commands;
  };
  const std::vector<Row> rows = {
      {"2x", {}, false, 2},                  // GET DATA, READ BINARY by SFI
      {"2x", {"no-sfi"}, false, 3},          // GET DATA, SELECT path, READ BINARY
      {"1x", {}, false, 3},
      {"1.0", {}, false, 3},
      {"2x", {"get-data-refused"}, false, 6},  // GET DATA x, SELECT app, GET DATA x, SELECT + READ TokenInfo, SFI
      {"2x", {}, true, 4},                   // SELECT app, SELECT + READ TokenInfo, READ BINARY by SFI
  };
  for (auto& r : rows) {
    vcard::CardState s = personality_state(r.family, r.quirks);
    if (r.generic_atr) s.atr = from_hex("3B8F800180318065B0850300EF120FFF82900073");  // not an AKİS ATR
    SCOPED_TRACE(r.family + (r.quirks.empty() ? "" : " + " + r.quirks[0]) + (r.generic_atr ? " (ISO ATR)" : ""));
    fs::remove_all(dir_ + "/akis");  // the personalities share one serial: each starts without a cache file
    insert_state(s);
    std::vector<Bytes> first, second;
    std::size_t cold = load_and_list(&first);
    std::size_t warm = load_and_list(&second);
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(second, first);
    EXPECT_EQ(warm, r.commands) << "cold " << cold;
    std::cout << r.family << (r.quirks.empty() ? "" : " + " + r.quirks[0]) << (r.generic_atr ? " (ISO ATR)" : "")
              << ": " << first.size() << " certificates, " << cold << " commands without the cache, " << warm
              << " with it\n";
    readers().remove(kReaderA);
  }
}

// Another program (the card layer alone, as the akis tool writes) adds a certificate and removes it again: an
// unpadded CDF grows past its cached end (seen by the extra byte read), a padded one changes inside its size.
TEST_F(PublicCache, ACdfChangedByAnotherProgramIsSeen) {
  const Bytes extra = material_for("1.0").keys.at(0).cert_der;
  for (bool padded : {false, true}) {
    SCOPED_TRACE(padded ? "directory-padded" : "unpadded");
    std::vector<std::string> quirks;
    if (padded) quirks.push_back("directory-padded");
    insert_state(personality_state("2x", quirks));
    std::vector<Bytes> before, added, removed;
    load_and_list(&before);
    ASSERT_EQ(std::find(before.begin(), before.end(), extra), before.end());
    CertInfo written;
    {
      Card other(readers().connect(kReaderA));
      other.verify(*other.profile().user_pin(), Secret(std::string_view("123456")));
      written = other.add_certificate("Another program", Bytes{0x99}, true, extra);
    }
    load_and_list(&added);
    EXPECT_EQ(added.size(), before.size() + 1);
    EXPECT_NE(std::find(added.begin(), added.end(), extra), added.end());
    {
      Card other(readers().connect(kReaderA));
      other.verify(*other.profile().user_pin(), Secret(std::string_view("123456")));
      other.remove_certificate(written);
    }
    load_and_list(&removed);
    EXPECT_EQ(removed, before);
    readers().remove(kReaderA);
  }
}

// The SFI is relative to the current DF: another program left another application current (with its own file
// under the CDF's SFI), or the card was reset (pcscd powers an idle card off): the right certificates, through
// SELECT + READ BINARY of the CDF after the first READ BINARY gave other bytes or 6A 82.
TEST_F(PublicCache, AnotherDfLeftCurrentOrAResetStillGivesTheRightCertificates) {
  vcard::CardState s = card_state(Variant::Post2011);
  vcard::File other_app, other_cdf;
  other_app.path = from_hex("3F005016");
  other_app.is_df = true;
  other_cdf.path = from_hex("3F0050164404");
  other_cdf.data = cdf_of(card_state(Variant::Seal)).data;
  other_cdf.sfi = cdf_of(s).sfi;
  ASSERT_NE(other_cdf.sfi, 0);
  s.files.push_back(other_app);
  s.files.push_back(other_cdf);
  auto card = insert_state(s);
  std::vector<Bytes> truth, certs;
  load_and_list(&truth);
  EXPECT_EQ(load_and_list(&certs), 2u);
  EXPECT_EQ(certs, truth);
  EXPECT_EQ(to_hex(card->process(from_hex("00A4000C025016"))), "9000");  // SELECT the other DF
  EXPECT_EQ(load_and_list(&certs), 4u);  // GET DATA, READ by SFI (the other CDF), SELECT + READ BINARY
  EXPECT_EQ(certs, truth);
  readers().reset_card(kReaderA);
  EXPECT_EQ(load_and_list(&certs), 4u);  // GET DATA, READ by SFI (6A 82 in the MF), SELECT + READ BINARY
  EXPECT_EQ(certs, truth);
}

// The card's side (tools/vcard): tag 88 on 2x, READ BINARY with P1 b8 in the current DF only, 6B 00 without SFIs.
TEST(VirtualCardSfi, ReadBinaryByShortIdentifierFollowsTheCurrentDf) {
  vcard::VirtualCard card(personality_state("2x", {}));
  const std::string cdf = to_hex(cdf_of(personality_state("2x", {})).data);
  auto send = [&](const char* hex) { return to_hex(card.process(from_hex(hex))); };
  EXPECT_EQ(send("00A4000C023F00"), "9000");
  EXPECT_EQ(send("00B0840010"), "6A82");  // no EF with SFI 4 in the MF
  EXPECT_EQ(send("00A4080C025015"), "9000");
  EXPECT_EQ(send("00B08400F4"), cdf + "9000");
  EXPECT_EQ(send("00B0000201"), cdf.substr(4, 2) + "9000");  // the EF became the current EF
  EXPECT_NE(send("00A40200024404F4").find("880120"), std::string::npos);  // 88: SFI 4 in b8-b4
  EXPECT_NE(send("00A40200022F10F4").find("8800"), std::string::npos);    // a certificate: none
  // The module's reading of tag 88: b8-b4 only; any other coding is no SFI.
  EXPECT_EQ(parse_fci(from_hex("6F07830244048801" "20")).sfi, 4);
  EXPECT_EQ(parse_fci(from_hex("6F07830244048801" "04")).sfi, 0);
  EXPECT_EQ(parse_fci(from_hex("6F0683024404" "8800")).sfi, 0);
  EXPECT_EQ(parse_fci(from_hex("6F07830244048801" "F8")).sfi, 0);  // SFI 31: RFU
  vcard::VirtualCard plain(personality_state("2x", {"no-sfi"}));
  EXPECT_EQ(to_hex(plain.process(from_hex("00A4080C025015"))), "9000");
  EXPECT_EQ(to_hex(plain.process(from_hex("00B08400F4"))), "6B00");
  EXPECT_EQ(to_hex(plain.process(from_hex("00A40200024404F4"))).find("88"), std::string::npos);
}

TEST_F(PublicCache, FileAndDirectoryArePrivate) {
  insert(Variant::Post2011);
  load_and_list();
  EXPECT_EQ(mode_of(dir_ + "/akis"), 0700u);
  EXPECT_EQ(mode_of(file_of(Variant::Post2011)), 0600u);
  // Nothing private in it: no PIN object, no private key file (internal EFs are never readable anyway).
  auto content = p11::public_cache::decode(read_text(file_of(Variant::Post2011)));
  ASSERT_TRUE(content);
  for (auto& file : card_state(Variant::Post2011).files) {
    if (!file.internal) continue;
    Bytes tail(file.path.end() - 2, file.path.end());
    for (auto& [path, data] : content->files)
      EXPECT_FALSE(path.size() >= 2 && Bytes(path.end() - 2, path.end()) == tail) << to_hex(path);
  }
}

// The documented limit (docs/performance.md): a certificate rewritten inside its own file with every directory file
// unchanged is answered from the cache; the cache file's removal (what a write through the module does) or the
// cache switched off shows it.
TEST_F(PublicCache, CertificateRewrittenInPlaceWithTheDirectoryUnchangedIsNotSeenCheaply) {
  insert(Variant::Post2011);
  std::vector<Bytes> before;
  load_and_list(&before);
  ASSERT_EQ(before.size(), 1u);
  // Another program renews the certificate in the same file; the CDF is unchanged.
  vcard::CardState st = card_state(Variant::Post2011);
  std::vector<Bytes> other;
  {
    vcard::CardState seal = card_state(Variant::Seal);
    for (auto& file : seal.files)
      if (!file.is_df && file.data.size() > 200 && file.data[0] == 0x30 && !file.internal) other.push_back(file.data);
  }
  ASSERT_FALSE(other.empty());
  bool rewritten = false;
  for (auto& file : st.files)
    if (!file.is_df && file.data.size() >= before[0].size() &&
        std::equal(before[0].begin(), before[0].end(), file.data.begin())) {
      file.data = other[0];
      rewritten = true;
    }
  ASSERT_TRUE(rewritten);
  readers().insert(kReaderA, std::make_shared<vcard::VirtualCard>(st));
  std::vector<Bytes> stale, after;
  load_and_list(&stale);
  EXPECT_EQ(stale, before);
  fs::remove(file_of(Variant::Post2011));
  load_and_list(&after);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after[0], before[0]);
  EXPECT_EQ(after[0], trim_to_der(other[0]));
}

TEST_F(PublicCache, AnotherCardsCacheIsNotUsed) {
  insert(Variant::Post2011);
  std::vector<Bytes> a;
  load_and_list(&a);
  std::string text = read_text(file_of(Variant::Post2011));
  // Card A's content under card B's name, once as it is and once claiming B's serial.
  std::string claiming = text;
  std::string serial_a = to_hex(card_state(Variant::Post2011).serial), serial_b = to_hex(card_state(Variant::Seal).serial);
  ASSERT_NE(serial_a, serial_b);
  claiming.replace(claiming.find(serial_a), serial_a.size(), serial_b);
  readers().insert(kReaderA, std::make_shared<vcard::VirtualCard>(card_state(Variant::Seal)));
  std::vector<Bytes> truth;
  ::unsetenv("AKIS_PKCS11_PUBLIC_CACHE");
  load_and_list(&truth);
  ::setenv("AKIS_PKCS11_PUBLIC_CACHE", "yes", 1);
  for (const std::string& planted : {text, claiming}) {
    write_file(file_of(Variant::Seal), planted);
    ::chmod(file_of(Variant::Seal).c_str(), 0600);
    std::vector<Bytes> b;
    load_and_list(&b);
    EXPECT_EQ(b, truth);
    for (auto& cert : a) EXPECT_EQ(std::find(b.begin(), b.end(), cert), b.end());
    EXPECT_NE(read_text(file_of(Variant::Seal)), planted);  // rewritten with B's own content
  }
}

TEST_F(PublicCache, CorruptOrForeignFileIsIgnoredAndRewritten) {
  insert(Variant::Post2011);
  std::vector<Bytes> good;
  std::size_t cold = load_and_list(&good);  // no cache file yet: not a command more than without the cache
  const std::size_t miss = cold + 1;        // a file is there: GET DATA serial first, then the full read
  const std::string path = file_of(Variant::Post2011), valid = read_text(path);
  std::vector<std::string> bad = {"", "garbage\n", valid.substr(0, valid.size() / 2),
                                  "akis-public-cache 2\natr zz\n", valid + "dir 5031 00\n",
                                  "akis-public-cache 1" + valid.substr(valid.find('\n')),  // the old format
                                  std::string(p11::public_cache::kMaxSize + 10, 'a')};
  for (auto& text : bad) {
    write_file(path, text);
    ::chmod(path.c_str(), 0600);
    std::vector<Bytes> certs;
    EXPECT_EQ(load_and_list(&certs), miss);
    EXPECT_EQ(certs, good);
    EXPECT_EQ(read_text(path), valid);
  }
  // A valid file other users could have written: not trusted.
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(load_and_list(), miss);
  EXPECT_EQ(mode_of(path), 0600u);
  // A link in its place: not followed (the rename replaces the link itself).
  fs::remove(path);
  write_file(dir_ + "/elsewhere", valid);
  ::chmod((dir_ + "/elsewhere").c_str(), 0600);
  fs::create_symlink(dir_ + "/elsewhere", path);
  EXPECT_EQ(load_and_list(), miss);
  EXPECT_FALSE(fs::is_symlink(path));
  // A cache directory others may write: no cache at all.
  ::chmod((dir_ + "/akis").c_str(), 0777);
  EXPECT_EQ(load_and_list(), cold);
  EXPECT_EQ(load_and_list(), cold);
}

TEST_F(PublicCache, OffByConfiguration) {
  ::setenv("AKIS_PKCS11_PUBLIC_CACHE", "no", 1);
  insert(Variant::Post2011);
  std::size_t cold = load_and_list();
  EXPECT_EQ(load_and_list(), cold);
  EXPECT_FALSE(fs::exists(dir_ + "/akis"));
}

TEST(PublicCacheFormat, RoundTripAndTruncations) {
  PublicContent c;
  c.atr = {0x3B, 0x00};
  c.serial = {1, 2, 3};
  c.life_cycle = LifeCycle::User;
  c.app = Application{Discovery::MfPath, {}, {0x3F, 0x00, 0x50, 0x15}};
  c.read_le = 128;
  c.directory[{0x50, 0x31}] = {0xA0, 0x00};
  c.sfi[{0x50, 0x31}] = 17;
  c.files[{0x3F, 0x00, 0x2F, 0x10}] = {0x30, 0x00};
  std::string text = p11::public_cache::encode(c);
  auto back = p11::public_cache::decode(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->serial, c.serial);
  EXPECT_EQ(back->directory, c.directory);
  EXPECT_EQ(back->files, c.files);
  EXPECT_EQ(back->life_cycle, LifeCycle::User);
  EXPECT_EQ(back->app.how, Discovery::MfPath);
  EXPECT_EQ(back->app.path, c.app.path);
  EXPECT_TRUE(back->app.df_name.empty());
  EXPECT_EQ(back->read_le, 128u);
  EXPECT_EQ(back->sfi, c.sfi);
  // Out of range or malformed new fields: refused.
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"app 3 - 3F005015", "app 3 - -"}, {"app 3 - 3F005015", "app 9 - 3F005015"},
           {"read_le 128", "read_le 999"}, {"read_le 128", "read_le 0128"}, {"sfi 5031 17", "sfi 5031 31"},
           {"sfi 5031 17", "sfi 5031 0"}}) {
    std::string bad = text;
    ASSERT_NE(bad.find(from), std::string::npos) << from;
    bad.replace(bad.find(from), from.size(), to);
    EXPECT_FALSE(p11::public_cache::decode(bad)) << to;
  }
  // A truncation inside the header is refused; after it, a cut at a line end is a smaller (valid) content whose
  // missing files make the card check fail, anything else is refused.
  std::size_t header = text.find("\ndir ") + 1;
  for (std::size_t n = 0; n < text.size(); ++n) {
    auto d = p11::public_cache::decode(text.substr(0, n));
    EXPECT_EQ(d.has_value(), n >= header && text[n - 1] == '\n') << n;
  }
}

}  // namespace
}  // namespace akis::test
