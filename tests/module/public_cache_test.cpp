// SPDX-License-Identifier: LGPL-2.1-or-later
// The cross-process cache of public content (pkcs11/public_cache.*): a fresh load of a known card sends a few
// commands, a certificate rewritten in place or another card's cache is never answered from the cache, and a
// corrupt or foreign cache file is ignored and rewritten. A "fresh process" is C_Finalize + C_Initialize: the
// module keeps nothing of a card across them (new Card, new Token), so only the file carries over.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "p11_fixture.hpp"
#include "public_cache.hpp"

namespace akis::test {
namespace {

namespace fs = std::filesystem;

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

TEST_F(PublicCache, SecondLoadOfAKnownCardSendsFewCommands) {
  for (Variant v : {Variant::Post2011, Variant::Pre2011}) {
    insert(v);
    std::vector<Bytes> first, second;
    std::size_t cold = load_and_list(&first);
    ASSERT_TRUE(fs::exists(file_of(v)));
    std::size_t warm = load_and_list(&second);
    EXPECT_EQ(first, second);
    ASSERT_FALSE(first.empty());
    // find_application + GET DATA serial + SELECT/READ of the CDF + SELECT/READ BINARY per certificate.
    EXPECT_LE(warm, 4 + 2 * first.size()) << "cold " << cold;
    EXPECT_LT(warm, cold);
    std::cout << "card " << static_cast<int>(v) << ": " << first.size() << " certificates, " << cold
              << " commands without the cache, " << warm << " with it\n";
    readers().remove(kReaderA);
  }
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

TEST_F(PublicCache, CertificateRewrittenInPlaceIsSeen) {
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
  std::vector<Bytes> after;
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
  std::size_t cold = load_and_list(&good);
  const std::string path = file_of(Variant::Post2011), valid = read_text(path);
  std::vector<std::string> bad = {"", "garbage\n", valid.substr(0, valid.size() / 2),
                                  "akis-public-cache 1\natr zz\n", valid + "dir 5031 00\n",
                                  std::string(p11::public_cache::kMaxSize + 10, 'a')};
  for (auto& text : bad) {
    write_file(path, text);
    ::chmod(path.c_str(), 0600);
    std::vector<Bytes> certs;
    EXPECT_EQ(load_and_list(&certs), cold);
    EXPECT_EQ(certs, good);
    EXPECT_EQ(read_text(path), valid);
  }
  // A valid file other users could have written: not trusted.
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(load_and_list(), cold);
  EXPECT_EQ(mode_of(path), 0600u);
  // A link in its place: not followed (the rename replaces the link itself).
  fs::remove(path);
  write_file(dir_ + "/elsewhere", valid);
  ::chmod((dir_ + "/elsewhere").c_str(), 0600);
  fs::create_symlink(dir_ + "/elsewhere", path);
  EXPECT_EQ(load_and_list(), cold);
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
  c.directory[{0x50, 0x31}] = {0xA0, 0x00};
  c.files[{0x3F, 0x00, 0x2F, 0x10}] = {0x30, 0x00};
  std::string text = p11::public_cache::encode(c);
  auto back = p11::public_cache::decode(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->serial, c.serial);
  EXPECT_EQ(back->directory, c.directory);
  EXPECT_EQ(back->files, c.files);
  EXPECT_EQ(back->life_cycle, LifeCycle::User);
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
