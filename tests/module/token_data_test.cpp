// SPDX-License-Identifier: LGPL-2.1-or-later
// Data objects on the card (CKO_DATA with CKA_TOKEN true, a PKCS#15 DODF): written, found, changed and destroyed
// through the module, checked in the virtual card's own files (the DODF parsed independently of the module's
// reading, the value's EF byte for byte) and by a fresh module (C_Finalize + C_Initialize keeps nothing of a card);
// the refusals (writes off, private, no DODF, not logged in) write nothing; a DODF entry the module cannot use is
// skipped and the others stay; a write the card refuses half-way leaves the directory as it was.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "p11_fixture.hpp"

namespace akis::test {
namespace {

const Bytes kDodfPath = {0x3F, 0x00, 0x50, 0x15, 0x44, 0x05};
const Bytes kOid = {0x06, 0x08, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x81, 0xE1, 0x2A};  // 1.3.6.1.4.1.28842

class TokenData : public P11 {
 protected:
  void TearDown() override {
    P11::TearDown();
    ::unsetenv("AKIS_PKCS11_CONF");
  }
  void writes(bool allow) {
    const std::string conf = temp_dir() + "/pkcs11-data.conf";
    FILE* fp = std::fopen(conf.c_str(), "w");
    std::fputs(allow ? "allow_card_writes = yes\n" : "# writes off\n", fp);
    std::fclose(fp);
    ::setenv("AKIS_PKCS11_CONF", conf.c_str(), 1);
  }
  std::shared_ptr<vcard::VirtualCard> insert_state(vcard::CardState s) {
    card_ = std::make_shared<vcard::VirtualCard>(std::move(s));
    readers().insert(kReaderA, card_);
    return card_;
  }
  CK_RV create(CK_SESSION_HANDLE h, const std::string& value, CK_OBJECT_HANDLE* o,
               std::vector<CK_ATTRIBUTE> extra = {}, const Bytes& oid = kOid) {
    std::vector<CK_ATTRIBUTE> t = {attr(CKA_CLASS, &data_, sizeof data_), attr(CKA_TOKEN, &yes_, 1),
                                   attr(CKA_LABEL, "imza ayarı", std::strlen("imza ayarı")),
                                   attr(CKA_APPLICATION, "akis-test", 9), attr(CKA_OBJECT_ID, oid.data(), oid.size()),
                                   attr(CKA_VALUE, value.data(), value.size())};
    t.insert(t.end(), extra.begin(), extra.end());
    return f->C_CreateObject(h, t.data(), t.size(), o);
  }
  std::vector<CK_OBJECT_HANDLE> token_data(CK_SESSION_HANDLE h) {
    return find(h, {attr(CKA_CLASS, &data_, sizeof data_), attr(CKA_TOKEN, &yes_, 1)});
  }
  const vcard::File* file(const Bytes& path) const {
    for (auto& x : card_->state().files)
      if (x.path == path) return &x;
    return nullptr;
  }
  std::vector<DataObjectInfo> dodf() const { return parse_dodf(file(kDodfPath)->data); }
  // A fresh module, as another process would be.
  CK_SESSION_HANDLE reload() {
    f->C_Finalize(nullptr);
    init();
    return open(true);
  }

  std::shared_ptr<vcard::VirtualCard> card_;
  CK_OBJECT_CLASS data_ = CKO_DATA;
  CK_BBOOL yes_ = CK_TRUE, no_ = CK_FALSE;
};

// The card layer's DODF parser and encoder (apdu/akis/pkcs15.cpp) on their own.
TEST(Dodf, EncodedEntriesParseBackAndOthersAreSkippedWithAReason) {
  DataObjectInfo d{"ayar ğüşiöç", {0x01}, false, true, "akis-test", kOid, {0x3F, 0x00, 0x50, 0x15, 0x2F, 0x40}, {}};
  Bytes entry = encode_dodf_entry(d);
  // CommonObjectFlags as DER named bits: modifiable (bit 1) alone is 03 02 06 40.
  EXPECT_NE(to_hex(entry).find("03020640"), std::string::npos) << to_hex(entry);
  auto back = parse_dodf(entry);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].label, d.label);
  EXPECT_EQ(back[0].auth_id, d.auth_id);
  EXPECT_TRUE(back[0].modifiable);
  EXPECT_FALSE(back[0].is_private);
  EXPECT_EQ(back[0].application, d.application);
  EXPECT_EQ(back[0].oid, d.oid);
  EXPECT_EQ(back[0].path, d.path);
  d.is_private = true, d.label.clear(), d.application.clear(), d.oid.clear(), d.auth_id.clear();
  back = parse_dodf(encode_dodf_entry(d));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(back[0].is_private);
  EXPECT_TRUE(back[0].label.empty());
  // A direct value, an oidDO and a broken entry are each skipped with a line; the good entry between them stays.
  Bytes file = from_hex("300C" "3000" "3000" "A106" "A004" "0402ABCD");  // the value given directly ([0])
  append(file, entry);
  append(file, from_hex("A1023000"));  // oidDO
  append(file, from_hex("3004300230" "00"));  // CommonObjectAttributes only
  std::vector<std::string> skipped;
  back = parse_dodf(file, &skipped);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].path, (Bytes{0x3F, 0x00, 0x50, 0x15, 0x2F, 0x40}));
  EXPECT_EQ(skipped.size(), 3u);
  for (auto& line : skipped) EXPECT_NE(line.find("DODF"), std::string::npos) << line;
  // A file that is not TLV at all is the caller's to skip (Card::read_data_objects names the DODF).
  EXPECT_THROW(parse_dodf(from_hex("30FF00")), CardError);
}

TEST_F(TokenData, WrittenFoundChangedAndDestroyed) {
  insert_state(card_state(Variant::Post2011));
  writes(true);
  init();
  CK_SESSION_HANDLE h = open(true);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  EXPECT_TRUE(token_data(h).empty());
  const std::size_t files_before = card_->state().files.size();
  CK_OBJECT_HANDLE o = 0;
  ASSERT_EQ(create(h, "ilk değer", &o), CKR_OK);
  // On the card: one new EF with the value, one DODF entry naming it with the attributes.
  ASSERT_EQ(card_->state().files.size(), files_before + 1);
  auto listed = dodf();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].label, "imza ayarı");
  EXPECT_EQ(listed[0].application, "akis-test");
  EXPECT_EQ(listed[0].oid, kOid);
  EXPECT_TRUE(listed[0].modifiable);
  EXPECT_FALSE(listed[0].is_private);
  ASSERT_NE(file(listed[0].path), nullptr);
  EXPECT_EQ(file(listed[0].path)->data, to_bytes("ilk değer"));
  EXPECT_EQ(get(h, o, CKA_TOKEN), Bytes{CK_TRUE});
  EXPECT_EQ(get(h, o, CKA_VALUE), to_bytes("ilk değer"));

  // A fresh module finds it by its application and reads the same bytes.
  h = reload();
  auto found = find(h, {attr(CKA_CLASS, &data_, sizeof data_), attr(CKA_APPLICATION, "akis-test", 9)});
  ASSERT_EQ(found.size(), 1u);
  o = found[0];
  EXPECT_EQ(get(h, o, CKA_VALUE), to_bytes("ilk değer"));
  EXPECT_EQ(get(h, o, CKA_OBJECT_ID), kOid);
  EXPECT_EQ(get(h, o, CKA_LABEL), to_bytes("imza ayarı"));
  EXPECT_EQ(get(h, o, CKA_PRIVATE), Bytes{CK_FALSE});
  EXPECT_EQ(find(h).size(), find(h).size());  // an empty template lists it once, every time

  // A new label and value: a new EF, the entry names it, the old EF is gone; read-only attributes stay so.
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const Bytes old_path = dodf()[0].path;
  std::string value = "ikinci, daha uzun değer";
  CK_ATTRIBUTE change[] = {attr(CKA_LABEL, "yeni", 4), attr(CKA_VALUE, value.data(), value.size())};
  ASSERT_EQ(f->C_SetAttributeValue(h, o, change, 2), CKR_OK);
  CK_ATTRIBUTE priv = attr(CKA_PRIVATE, &yes_, 1);
  EXPECT_EQ(f->C_SetAttributeValue(h, o, &priv, 1), CKR_ATTRIBUTE_READ_ONLY);
  listed = dodf();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].label, "yeni");
  EXPECT_EQ(listed[0].oid, kOid);
  EXPECT_EQ(file(old_path), nullptr);
  EXPECT_EQ(file(listed[0].path)->data, to_bytes(value));
  EXPECT_EQ(get(h, o, CKA_VALUE), to_bytes(value));
  h = reload();
  found = token_data(h);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(get(h, found[0], CKA_LABEL), to_bytes("yeni"));
  EXPECT_EQ(get(h, found[0], CKA_VALUE), to_bytes(value));

  // Destroyed: EF and entry gone, for a fresh module too.
  EXPECT_EQ(f->C_DestroyObject(h, found[0]), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  ASSERT_EQ(f->C_DestroyObject(h, found[0]), CKR_OK);
  EXPECT_EQ(card_->state().files.size(), files_before);
  EXPECT_TRUE(dodf().empty());
  EXPECT_TRUE(token_data(reload()).empty());
}

// The DODF is read on the first search that may match a data object, once per insertion: searches by another
// class cost no command, an empty DODF costs its SELECT (its FCI says it is empty), each data object one SELECT
// and one READ BINARY of its value.
TEST_F(TokenData, ReadOnlyWhenASearchMayMatchThem) {
  insert_state(card_state(Variant::Post2011));
  writes(true);
  init();
  CK_SESSION_HANDLE h = open(true);
  std::size_t before = readers().commands();
  find_class(h, CKO_CERTIFICATE);
  find_class(h, CKO_PRIVATE_KEY);
  EXPECT_EQ(readers().commands() - before, 0u);
  before = readers().commands();
  find(h);
  const std::size_t empty_dodf = readers().commands() - before;
  EXPECT_GE(empty_dodf, 1u);
  EXPECT_LE(empty_dodf, 2u);
  before = readers().commands();
  find(h);
  EXPECT_EQ(readers().commands() - before, 0u);  // once per insertion
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_OBJECT_HANDLE o = 0;
  ASSERT_EQ(create(h, "bir", &o), CKR_OK);
  ASSERT_EQ(create(h, "iki", &o), CKR_OK);
  h = reload();
  before = readers().commands();
  ASSERT_EQ(token_data(h).size(), 2u);
  const std::size_t two = readers().commands() - before;
  EXPECT_LE(two, 2 + 2 * 2u);
  std::cout << "first search that may match data objects: " << empty_dodf << " commands (empty DODF), " << two
            << " with two data objects\n";
}

// With the cross-process cache on: the card's directory comes from the cache, the data objects never do.
TEST_F(TokenData, SeenThroughThePublicCache) {
  const std::string dir = temp_dir() + "/xdg-cache-token-data";
  ::setenv("XDG_CACHE_HOME", dir.c_str(), 1);
  ::setenv("AKIS_PKCS11_PUBLIC_CACHE", "yes", 1);
  insert_state(card_state(Variant::Post2011));
  writes(true);
  init();
  CK_SESSION_HANDLE h = open(true);
  EXPECT_TRUE(token_data(h).empty());  // the cache file is written by this load
  h = reload();
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  CK_OBJECT_HANDLE o = 0;
  ASSERT_EQ(create(h, "önbellek", &o), CKR_OK);
  h = reload();
  auto found = token_data(h);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(get(h, found[0], CKA_VALUE), to_bytes("önbellek"));
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  ASSERT_EQ(f->C_DestroyObject(h, found[0]), CKR_OK);
  EXPECT_TRUE(token_data(reload()).empty());
  ::unsetenv("AKIS_PKCS11_PUBLIC_CACHE");
  ::unsetenv("XDG_CACHE_HOME");
}

TEST_F(TokenData, RefusalsWriteNothing) {
  insert_state(card_state(Variant::Pre2011));
  writes(false);
  init();
  CK_SESSION_HANDLE h = open(true);
  const Bytes dodf_before = file(kDodfPath)->data;
  const std::size_t files_before = card_->state().files.size();
  CK_OBJECT_HANDLE o = 0;
  EXPECT_EQ(create(h, "x", &o), CKR_TOKEN_WRITE_PROTECTED);  // writes off
  writes(true);
  h = reload();
  EXPECT_EQ(create(h, "x", &o), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  EXPECT_EQ(create(h, "x", &o, {attr(CKA_PRIVATE, &yes_, 1)}), CKR_TEMPLATE_INCONSISTENT);  // access rules unknown
  EXPECT_EQ(create(h, "x", &o, {attr(CKA_DESTROYABLE, &no_, 1)}), CKR_ATTRIBUTE_VALUE_INVALID);
  const Bytes not_oid = {0x04, 0x01, 0x80};
  EXPECT_EQ(create(h, "x", &o, {}, not_oid), CKR_ATTRIBUTE_VALUE_INVALID);  // CKA_OBJECT_ID must be an OID
  const std::string big(8193, 'v');
  EXPECT_EQ(create(h, big, &o), CKR_ATTRIBUTE_VALUE_INVALID);
  CK_SESSION_HANDLE ro = open(false);
  EXPECT_EQ(create(ro, "x", &o), CKR_SESSION_READ_ONLY);
  EXPECT_EQ(card_->state().files.size(), files_before);
  EXPECT_EQ(file(kDodfPath)->data, dodf_before);
  EXPECT_TRUE(token_data(h).empty());
}

TEST_F(TokenData, CardWithoutDodfRefusesAndKeepsItsOdf) {
  insert_state(personality_state("2x", {"no-dodf"}));
  writes(true);
  init();
  CK_SESSION_HANDLE h = open(true);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const std::size_t files_before = card_->state().files.size();
  CK_OBJECT_HANDLE o = 0;
  EXPECT_EQ(create(h, "x", &o), CKR_ATTRIBUTE_VALUE_INVALID);  // the module does not add a DODF to the ODF
  EXPECT_EQ(card_->state().files.size(), files_before);
  EXPECT_TRUE(token_data(h).empty());
  // Session data objects still work on such a card.
  CK_ATTRIBUTE t[] = {attr(CKA_CLASS, &data_, sizeof data_), attr(CKA_VALUE, "s", 1)};
  EXPECT_EQ(f->C_CreateObject(h, t, 2, &o), CKR_OK);
}

TEST_F(TokenData, UnusableDodfEntriesAreSkipped) {
  vcard::CardState s = card_state(Variant::Post2011);
  const Bytes value_path = {0x3F, 0x00, 0x50, 0x15, 0x2F, 0x50}, secret_path = {0x3F, 0x00, 0x50, 0x15, 0x2F, 0x51};
  vcard::File value_file = s.files.back();
  value_file.path = value_path, value_file.data = to_bytes("okunur"), value_file.internal = false;
  value_file.is_df = false, value_file.read = vcard::Access::Always;
  vcard::File secret_file = value_file;
  secret_file.path = secret_path, secret_file.data = to_bytes("gizli");
  s.files.push_back(value_file);
  s.files.push_back(secret_file);
  DataObjectInfo good{"iyi", {}, false, false, "uyg", {}, value_path, {}};
  DataObjectInfo secret{"gizli", {0x01}, true, false, "uyg", {}, secret_path, {}};
  Bytes dodf = from_hex("3003300100");  // a SEQUENCE without the data object layout
  append(dodf, encode_dodf_entry(good));
  append(dodf, from_hex("A003020100"));  // an externalIDO: not used
  append(dodf, encode_dodf_entry(secret));  // private: left out
  for (auto& x : s.files)
    if (x.path == kDodfPath) x.data = dodf;
  insert_state(std::move(s));
  init();
  CK_SESSION_HANDLE h = open(false);
  auto found = token_data(h);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(get(h, found[0], CKA_VALUE), to_bytes("okunur"));
  EXPECT_EQ(get(h, found[0], CKA_MODIFIABLE), Bytes{CK_FALSE});
  CK_ATTRIBUTE label = attr(CKA_LABEL, "x", 1);
  EXPECT_EQ(f->C_SetAttributeValue(h, found[0], &label, 1), CKR_ACTION_PROHIBITED);  // not modifiable on the card
  EXPECT_EQ(find_class(h, CKO_CERTIFICATE).size(), 1u);  // the rest of the token as ever
}

TEST_F(TokenData, AWriteTheCardRefusesLeavesTheDirectoryAsItWas) {
  vcard::CardState s = card_state(Variant::Post2011);
  for (auto& x : s.files)
    if (x.path == kDodfPath) x.write = vcard::Access::Never;  // the entry cannot be appended
  insert_state(std::move(s));
  writes(true);
  init();
  CK_SESSION_HANDLE h = open(true);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const std::size_t files_before = card_->state().files.size();
  CK_OBJECT_HANDLE o = 0;
  EXPECT_NE(create(h, "x", &o), CKR_OK);
  EXPECT_EQ(card_->state().files.size(), files_before);  // the new EF was deleted again
  EXPECT_TRUE(file(kDodfPath)->data.empty());
  EXPECT_TRUE(token_data(reload()).empty());
}

}  // namespace
}  // namespace akis::test

namespace akis::test {
namespace {

// The write path on personalities whose directory or commands differ (quirks.hpp): padded directories, relative
// paths, paths that need 3F00, no FCI size, capped reads, the application by path only, the 1.0 and 1x families;
// a card that refuses class-80 commands (no CREATE EF) refuses the write and keeps its files.
struct Personality {
  std::string family;
  std::vector<std::string> quirks;
  bool writable = true;
};

class TokenDataPersonality : public TokenData, public ::testing::WithParamInterface<Personality> {};

TEST_P(TokenDataPersonality, WrittenReadBackAndDestroyed) {
  insert_state(personality_state(GetParam().family, GetParam().quirks));
  writes(true);
  init();
  CK_SESSION_HANDLE h = open(true);
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  const std::size_t files_before = card_->state().files.size();
  const Bytes dodf_before = file(kDodfPath)->data;
  std::string value(300, 'd');  // more than one UPDATE BINARY
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>('a' + i % 26);
  CK_OBJECT_HANDLE o = 0;
  CK_RV rv = create(h, value, &o);
  if (!GetParam().writable) {
    EXPECT_NE(rv, CKR_OK);
    EXPECT_EQ(card_->state().files.size(), files_before);
    EXPECT_EQ(file(kDodfPath)->data, dodf_before);
    return;
  }
  ASSERT_EQ(rv, CKR_OK);
  h = reload();
  auto found = token_data(h);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(get(h, found[0], CKA_VALUE), to_bytes(value));
  ASSERT_EQ(login(h, "123456"), CKR_OK);
  ASSERT_EQ(f->C_DestroyObject(h, found[0]), CKR_OK);
  EXPECT_EQ(card_->state().files.size(), files_before);
  EXPECT_TRUE(dodf().empty());
  EXPECT_TRUE(token_data(reload()).empty());
}

std::string name_of(const ::testing::TestParamInfo<Personality>& info) {
  std::string n = info.param.family == "1.0" ? "v10" : "v" + info.param.family;
  for (auto& q : info.param.quirks)
    for (char c : "_" + q) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Quirks, TokenDataPersonality,
    ::testing::Values(Personality{"2x", {"directory-padded"}}, Personality{"2x", {"odf-relative-paths"}},
                      Personality{"2x", {"paths-need-mf", "fci-no-size", "read-cap-128"}},
                      Personality{"2x", {"app-by-path-only", "short-responses"}}, Personality{"1.0", {}},
                      Personality{"1x", {"fci-no-security", "read-6cxx"}},
                      Personality{"2x", {"cla80-refused"}, false}),
    name_of);

}  // namespace
}  // namespace akis::test
