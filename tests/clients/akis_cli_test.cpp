// SPDX-License-Identifier: LGPL-2.1-or-later
// The `akis` command through real pcscd and the virtual card, in English and Turkish. Assertions are on
// what the card holds afterwards (its state file), not only on what the tool prints.
#include <algorithm>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "akis_cli_fixture.hpp"
#include "pty.hpp"

using namespace akis;
using namespace akis::test;
using nlohmann::json;

namespace {

TEST_F(AkisCli, ReadersInBothLanguagesAndJson) {
  std::string state = insert(Variant::Pre2011);
  std::string serial = to_hex(vcard::load(state).serial);
  auto en = akis("readers");
  EXPECT_EQ(en.rc, 0) << en.out;
  EXPECT_TRUE(has(en.out, "Virtual PCD 00 00: AKİS 2.x (532282) card, serial " + serial)) << en.out;
  EXPECT_TRUE(has(en.out, "Virtual PCD 00 01: no card")) << en.out;
  auto tr = akis("list", "tr_TR.UTF-8");
  EXPECT_TRUE(has(tr.out, "AKİS 2.x (532282) kartı, seri no " + serial)) << tr.out;
  EXPECT_TRUE(has(tr.out, "Virtual PCD 00 01: kart yok")) << tr.out;
  auto js = akis("readers --json");
  auto j = json::parse(js.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["serial"], serial);
  EXPECT_EQ(j[0]["esign"], true);
  EXPECT_EQ(j[1]["card_present"], false);
}

TEST_F(AkisCli, InfoShowsTheRealCountersAndCertificates) {
  std::string state = insert(Variant::Pre2011);
  auto j = json::parse(akis("info --json").out);
  EXPECT_EQ(j["pin"]["tries_left"], 3);
  EXPECT_EQ(j["puk"]["tries_left"], 3);
  EXPECT_EQ(j["unblock"], "puk");
  ASSERT_EQ(j["certificates"].size(), 3u);
  EXPECT_EQ(j["certificates"][0]["holder"], "AYŞE GÜL YILDIRIM");
  EXPECT_EQ(j["certificates"][0]["national_id"], "10000000146");
  EXPECT_EQ(j["certificates"][0]["kind"], "qualified");
  EXPECT_EQ(j["certificates"][0]["status"], "valid");
  EXPECT_EQ(j["certificates"][2]["key_type"], "EC");
  // A wrong PIN (spent by a refused change) shows in the next info: the counter on the card went down.
  EXPECT_EQ(akis("pin change", "C.UTF-8", "999999\\n24682468\\n24682468\\n").rc, 7);
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 2);
  EXPECT_EQ(json::parse(akis("info --json").out)["pin"]["tries_left"], 2);
  auto tr = akis("info", "tr_TR.UTF-8");
  EXPECT_TRUE(has(tr.out, "PIN: Kalan deneme hakkı: 2 (en çok 3)")) << tr.out;
  EXPECT_TRUE(has(tr.out, "T.C. kimlik no: 10000000146")) << tr.out;
  EXPECT_TRUE(has(tr.out, "Bloke çözme: PUK ile (2011 öncesi kart)")) << tr.out;
  // The native reader's wording: one word for the type, "Veren", key usages in words, AKİS with its dotted İ.
  for (const char* w : {"Kart türü: AKİS 2.x", "  Veren: ", "Anahtar kullanımı: inkâr edilemezlik (e-imza)",
                        "Sertifika türü: nitelikli elektronik sertifika (NES)"})
    EXPECT_TRUE(has(tr.out, w)) << w << "\n" << tr.out;
  EXPECT_FALSE(has(tr.out, "nonRepudiation")) << tr.out;
  auto en = akis("info");
  EXPECT_TRUE(has(en.out, "Type: qualified electronic certificate (NES)")) << en.out;
}

TEST_F(AkisCli, ValidityWarnings) {
  auto with = [](int from, int days) {
    auto o = options_for(Variant::Post2011);
    o.valid_from_days = from;
    o.valid_days = days;
    return vcard::personalise(o);
  };
  insert_state(with(-700, 710));  // ends in 10 days
  auto soon = akis("info");
  EXPECT_TRUE(has(soon.out, "WARNING: expires in 9 days") || has(soon.out, "WARNING: expires in 10 days")) << soon.out;
  EXPECT_EQ(json::parse(akis("info --json").out)["certificates"][0]["status"], "expires_soon");
  cards_.clear();
  wait_for_card(Pcscd::kReader0, false);
  insert_state(with(-400, 365));
  EXPECT_TRUE(has(akis("info", "tr_TR.UTF-8").out, "gün önce sona erdi"));
  cards_.clear();
  wait_for_card(Pcscd::kReader0, false);
  insert_state(with(5, 365));
  auto future = akis("info");
  EXPECT_TRUE(has(future.out, "WARNING: not valid before")) << future.out;
  EXPECT_TRUE(has(future.out, "a new card cannot be used before its start date")) << future.out;
}

TEST_F(AkisCli, ExportedCertificateEqualsWhatPkcs11ToolReads) {
  insert(Variant::Post2011);
  std::string dir = temp_dir(), out;
  ASSERT_EQ(akis("cert export --format der -o " + dir + "/akis.der").rc, 0);
  std::string id = json::parse(akis("info --json").out)["certificates"][0]["id"];
  ASSERT_EQ(run_command(std::string(AKIS_HOST_ENV) + "pkcs11-tool --module '" + std::string(AKIS_MODULE_PATH) +
                            "' --read-object --type cert --id " + id + " -o " + dir + "/p11.der",
                        out),
            0)
      << out;
  EXPECT_EQ(run_command("cmp " + dir + "/akis.der " + dir + "/p11.der", out), 0) << out;
  auto pem = akis("cert export");
  EXPECT_TRUE(has(pem.out, "-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(akis("cert export --index 9").rc, 1);
}

TEST_F(AkisCli, PinChangeChecksPolicyFirstAndChangesTheCard) {
  std::string state = insert(Variant::Pre2011);
  auto bad = akis("pin change", "C.UTF-8", "123456\\n12\\n12\\n");
  EXPECT_EQ(bad.rc, 9);
  EXPECT_TRUE(has(bad.out, "6 to 12 digits")) << bad.out;
  auto mismatch = akis("pin change", "tr_TR.UTF-8", "123456\\n24682468\\n24682460\\n");
  EXPECT_EQ(mismatch.rc, 9);
  EXPECT_TRUE(has(mismatch.out, "aynı değil")) << mismatch.out;
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);  // nothing reached the card
  auto wrong = akis("pin change", "C.UTF-8", "654321\\n24682468\\n24682468\\n");
  EXPECT_EQ(wrong.rc, 7);
  EXPECT_TRUE(has(wrong.out, "Wrong PIN. 2 tries left.")) << wrong.out;
  auto ok = akis("pin change", "C.UTF-8", "123456\\n24682468\\n24682468\\n");
  EXPECT_EQ(ok.rc, 0) << ok.out;
  EXPECT_EQ(pin_of(state, 0x81).value, to_bytes("24682468"));
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);
  // From the environment too, never from the arguments.
  std::string out;
  EXPECT_EQ(run_command("AKIS_PIN=24682468 AKIS_NEW_PIN=36925814 LANG=C " + kAkis + " pin change </dev/null", out), 0)
      << out;
  EXPECT_EQ(pin_of(state, 0x81).value, to_bytes("36925814"));
  auto none = akis("pin change");
  EXPECT_EQ(none.rc, 1);  // no terminal, no fd, no variable: a clear refusal
  EXPECT_TRUE(has(none.out, "--pin-fd")) << none.out;
}

TEST_F(AkisCli, LastTryIsSpentOnlyWithConfirmation) {
  std::string state = insert(Variant::Pre2011);
  for (int i = 0; i < 2; ++i) akis("pin change", "C.UTF-8", "000000\\n24682468\\n24682468\\n");
  ASSERT_EQ(pin_of(state, 0x81).tries_left, 1);
  auto refused = akis("pin change", "C.UTF-8", "000000\\n24682468\\n24682468\\n");
  EXPECT_EQ(refused.rc, 10);
  EXPECT_TRUE(has(refused.out, "Only one try is left")) << refused.out;
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 1);  // not spent
  auto yes = akis("--yes pin change", "C.UTF-8", "123456\\n24682468\\n24682468\\n");
  EXPECT_EQ(yes.rc, 0) << yes.out;
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);
}

TEST_F(AkisCli, PukUnblockAndItsLastTry) {
  std::string state = insert(Variant::Pre2011);
  for (int i = 0; i < 3; ++i) akis("--yes pin change", "C.UTF-8", "000000\\n24682468\\n24682468\\n");
  ASSERT_EQ(pin_of(state, 0x81).tries_left, 0);
  auto blocked = akis("pin change", "C.UTF-8", "123456\\n24682468\\n24682468\\n");
  EXPECT_EQ(blocked.rc, 8);
  EXPECT_TRUE(has(blocked.out, "akis pin unblock")) << blocked.out;
  auto wrong = akis("pin unblock", "C.UTF-8", "11111111\\n13571357\\n13571357\\n");
  EXPECT_EQ(wrong.rc, 7);
  EXPECT_TRUE(has(wrong.out, "Wrong PUK. 2 tries left.")) << wrong.out;
  akis("pin unblock", "C.UTF-8", "11111111\\n13571357\\n13571357\\n");
  ASSERT_EQ(pin_of(state, 0x82).tries_left, 1);
  auto refused = akis("pin unblock", "tr_TR.UTF-8", "87654321\\n13571357\\n13571357\\n");
  EXPECT_EQ(refused.rc, 10);
  EXPECT_TRUE(has(refused.out, "kalıcı olarak kullanılamaz")) << refused.out;
  EXPECT_EQ(pin_of(state, 0x82).tries_left, 1);
  auto ok = akis("--yes pin unblock", "C.UTF-8", "87654321\\n13571357\\n13571357\\n");
  EXPECT_EQ(ok.rc, 0) << ok.out;
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);
  EXPECT_EQ(pin_of(state, 0x81).value, to_bytes("13571357"));
}

TEST_F(AkisCli, CardWithoutPukExplainsTheOnlineUnlock) {
  insert(Variant::Post2011);
  auto en = akis("pin unblock", "C.UTF-8", "87654321\\n13571357\\n13571357\\n");
  EXPECT_EQ(en.rc, 12);
  EXPECT_TRUE(has(en.out, "has no PUK")) << en.out;
  EXPECT_TRUE(has(en.out, "akis unlock")) << en.out;
  auto tr = akis("pin unblock", "tr_TR.UTF-8");
  EXPECT_TRUE(has(tr.out, "PIN Oluşturma/Kilit Çözme")) << tr.out;
  EXPECT_FALSE(has(tr.out, "PUK ile")) << tr.out;  // not the vendor tool's misleading "unlock with PUK"
  EXPECT_EQ(json::parse(akis("info --json").out)["unblock"], "online");
}

TEST_F(AkisCli, ClearErrorsAndDistinctExitCodes) {
  auto empty = akis("info");
  EXPECT_EQ(empty.rc, 4);
  EXPECT_TRUE(has(empty.out, "no card in the reader")) << empty.out;
  EXPECT_EQ(akis("--reader 'No Such Reader' info").rc, 3);
  insert(Variant::IdCard);
  auto id = akis("info", "tr_TR.UTF-8");
  EXPECT_EQ(id.rc, 5);
  EXPECT_TRUE(has(id.out, "AKİS e-imza kartı değil")) << id.out;
  cards_.clear();
  wait_for_card(Pcscd::kReader0, false);
  // Pulled out during the command: a slow card, killed while akis reads it.
  insert(Variant::Pre2011, 35963, {"--latency-command-ms", "150"});
  std::string out;
  auto pending = std::async(std::launch::async, [&] {
    std::string o;
    int rc = run_command("LANG=C " + kAkis + " info", o);
    return std::make_pair(rc, o);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  cards_.back()->process().kill_hard();
  auto [rc, o] = pending.get();
  EXPECT_EQ(rc, 6) << o;
  EXPECT_TRUE(has(o, "The card was removed during the operation")) << o;
  EXPECT_FALSE(has(o, "terminate")) << o;
  // No pcscd at all.
  pcscd_->stop();
  auto none = akis("readers");
  EXPECT_EQ(none.rc, 2);
  EXPECT_TRUE(has(none.out, "pcscd")) << none.out;
  pcscd_->restart();
}

struct Prompts {
  std::string lang, pin, new_pin, again;
};
const Prompts kTurkish{"tr_TR.UTF-8", "Mevcut PIN: ", "Yeni PIN (6-12 hane): ", "Yeni PIN (tekrar): "};
const Prompts kEnglish{"C.UTF-8", "Current PIN: ", "New PIN (6-12 digits): ", "New PIN again: "};

// `akis pin change` on a pseudo-terminal, with its three PIN prompts answered as a person types.
std::unique_ptr<PtyProcess> pin_change_on_terminal(const Prompts& q, const std::string& old_pin,
                                                   const std::string& new_pin) {
  auto p = std::make_unique<PtyProcess>(std::vector<std::string>{kAkis, "pin", "change"},
                                        std::map<std::string, std::string>{{"LANG", q.lang}, {"LANGUAGE", ""}, {"LC_ALL", ""}});
  for (auto& [prompt, answer] : {std::pair{q.pin, old_pin}, std::pair{q.new_pin, new_pin}, std::pair{q.again, new_pin}}) {
    EXPECT_TRUE(p->expect(prompt)) << p->output();
    p->type(answer + "\n");
  }
  return p;
}

TEST_F(AkisCli, HiddenPinEntryOnATerminal) {
  std::string state = insert(Variant::Pre2011);
  auto p = pin_change_on_terminal(kTurkish, "123456", "97531975");
  ASSERT_TRUE(p->expect("PIN değiştirildi.")) << p->output();
  EXPECT_EQ(p->wait(), 0);
  // Nothing typed was echoed back to the screen.
  EXPECT_EQ(p->output().find("123456"), std::string::npos) << p->output();
  EXPECT_EQ(p->output().find("97531975"), std::string::npos) << p->output();
  EXPECT_EQ(pin_of(state, 0x81).value, to_bytes("97531975"));
}

TEST_F(AkisCli, LastTryConfirmationAskedOnTheTerminal) {
  std::string state = insert(Variant::Pre2011);
  for (int i = 0; i < 2; ++i) akis("pin change", "C.UTF-8", "000000\\n24682468\\n24682468\\n");
  {
    auto p = pin_change_on_terminal(kEnglish, "123456", "24682468");
    ASSERT_TRUE(p->expect("Use the last try? [y/N]")) << p->output();
    p->type("n\n");
    EXPECT_EQ(p->wait(), 10);
  }
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 1);
  auto p = pin_change_on_terminal(kTurkish, "123456", "24682468");
  ASSERT_TRUE(p->expect("Son deneme hakkı kullanılsın mı? [e/H]")) << p->output();
  p->type("evet\n");
  ASSERT_TRUE(p->expect("PIN değiştirildi.")) << p->output();
  EXPECT_EQ(p->wait(), 0);
  EXPECT_EQ(pin_of(state, 0x81).tries_left, 3);
  EXPECT_EQ(pin_of(state, 0x81).value, to_bytes("24682468"));
}

}  // namespace

// A certificate label that is not UTF-8 (card data is not ours to choose): `akis info --json` still answers,
// with U+FFFD for the invalid bytes, and the text output shows the rest of the card.
TEST_F(AkisCli, InfoJsonWithALabelThatIsNotUtf8) {
  vcard::CardState s = card_state(Variant::Post2011);
  auto ends_with = [](const Bytes& path, const Bytes& tail) {
    return path.size() >= tail.size() && std::equal(tail.begin(), tail.end(), path.end() - static_cast<long>(tail.size()));
  };
  const vcard::File* odf = nullptr;
  for (auto& f : s.files)
    if (!f.is_df && ends_with(f.path, {0x50, 0x31})) odf = &f;
  ASSERT_NE(odf, nullptr);
  Bytes cdf_path = parse_odf(odf->data).cdf.at(0);
  bool patched = false;
  for (auto& f : s.files) {
    if (f.is_df || !ends_with(f.path, cdf_path)) continue;
    Bytes label = to_bytes(parse_cdf(f.data).at(0).label);
    auto at = std::search(f.data.begin(), f.data.end(), label.begin(), label.end());
    ASSERT_NE(at, f.data.end());
    at[0] = 0xFF;  // never valid in UTF-8
    patched = true;
  }
  ASSERT_TRUE(patched);
  insert_state(s);
  auto r = akis("info --json");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = json::parse(r.out);
  std::string label = j["certificates"][0]["label"];
  EXPECT_EQ(label.rfind("\xEF\xBF\xBD", 0), 0u) << label;
  EXPECT_EQ(j["certificates"][0]["holder"], "AYŞE GÜL YILDIRIM");
  EXPECT_EQ(akis("info").rc, 0);
}
