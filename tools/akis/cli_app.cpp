// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_app.hpp"

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "akis/version.hpp"  // project(VERSION), generated

namespace akis::cli {

namespace {

// Help texts of the commands and options, English -> Turkish. One row per text given in main.cpp.
const std::map<std::string, std::string>& help_table() {
  static const std::map<std::string, std::string> t{
      {"akis: AKİS e-signature card tool", "akis: AKİS e-imza kartı aracı"},
      {"card reader (name or part of it)", "kart okuyucu (adı ya da adının bir parçası)"},
      {"card reader (name or part of it; default: the first with a card)",
       "kart okuyucu (adı ya da adının bir parçası; verilmezse kart takılı ilk okuyucu)"},
      {"read PIN/PUK values from this file descriptor, one per line",
       "PIN/PUK değerlerini bu dosya tanımlayıcısından okur, her satırda bir değer"},
      {"confirm the use of a last PIN/PUK try without asking", "son PIN/PUK deneme hakkının kullanımını sormadan onaylar"},
      {"list the card readers and their cards", "kart okuyucuları ve içlerindeki kartları listeler"},
      {"machine-readable output", "makinece okunabilir (JSON) çıktı"},
      {"card, PIN and certificate information", "kart, PIN ve sertifika bilgileri"},
      {"certificates", "sertifikalar"},
      {"write a certificate (PEM or DER)", "bir sertifikayı yazar (PEM ya da DER)"},
      {"certificate number as `akis info` shows it", "`akis info` çıktısındaki sertifika numarası"},
      {"pem or der", "pem ya da der"},
      {"output file (default: standard output)", "çıktı dosyası (verilmezse standart çıktı)"},
      {"PIN management", "PIN işlemleri"},
      {"change the PIN", "PIN'i değiştirir"},
      {"unblock the PIN with the PUK (cards made before 2011)", "PIN blokesini PUK ile çözer (2011 öncesi kartlar)"},
      {"unblock the PIN online with a verification code (cards after 2011)",
       "PIN blokesini doğrulama kodu ile çevrimiçi çözer (2011 sonrası kartlar)"},
      {"unlock service URL", "kilit çözme servisinin adresi"},
      {"CA certificate that signed the service's TLS certificate", "servisin TLS sertifikasını imzalayan CA sertifikası"},
      {"read-only diagnostics of any card: a report safe to publish",
       "her kart için salt okunur tanılama: herkese açık paylaşılabilecek bir rapor"},
      {"write the report (JSON, no personal data) to this file", "raporu (JSON, kişisel veri içermez) bu dosyaya yazar"},
      {"write the raw session (private: holds your certificates) to this file",
       "ham oturum kaydını (özeldir: sertifikalarınızı içerir) bu dosyaya yazar"},
      {"register the card's module in Firefox, Thunderbird and Chromium",
       "kartın modülünü Firefox, Thunderbird ve Chromium'a kaydeder"},
      {"remove the registration", "kaydı kaldırır"},
      {"only report where the module is registered", "yalnızca modülün nerede kayıtlı olduğunu bildirir"},
      {"PKCS#11 module to register", "kaydedilecek PKCS#11 modülü"},
      {"IN OUT: make a recording safe to publish (no card needed)",
       "GİRDİ ÇIKTI: bir kaydı herkese açık paylaşılabilir hâle getirir (kart gerekmez)"},
      // akis sign / verify / eonay (tools/akis/cmd_sign.cpp, cmd_eonay.cpp)
      {"sign a document with the card (CAdES, PAdES, XAdES)", "bir belgeyi kartla imzalar (CAdES, PAdES, XAdES)"},
      {"cades, pades or xades (default: by the file type)", "cades, pades ya da xades (verilmezse dosya türüne göre)"},
      {"CAdES without the document inside (.p7s)", "belgeyi içermeyen ayrık CAdES imzası (.p7s)"},
      {"certificate: hex CKA_ID or label (default: the non-repudiation one)",
       "sertifika: onaltılık CKA_ID ya da etiket (verilmezse nitelikli imza sertifikası)"},
      {"RFC 3161 timestamp authority URL", "RFC 3161 zaman damgası sunucusunun adresi"},
      {"output file", "çıktı dosyası"},
      {"PDF: a visible signature box PAGE,X,Y,W,H (points from the lower left)",
       "PDF: görünür imza kutusu SAYFA,X,Y,GENİŞLİK,YÜKSEKLİK (sol alt köşeden nokta cinsinden)"},
      {"the document", "imzalanacak belge"},
      {"verify a signed document", "imzalı bir belgeyi doğrular"},
      {"the signed document of a detached signature", "ayrık imzanın imzaladığı belge"},
      {"trusted root certificate(s): a PEM/DER file or a directory",
       "güvenilen kök sertifika(lar): PEM/DER dosyası ya da dizin"},
      {"the signature or the signed document", "imza dosyası ya da imzalı belge"},
      {"give the E-Onay of the unlock service's portal, signed with the card",
       "kilit çözme servisinin portalındaki E-Onay'ı kartla imzalayarak verir"},
      {"the verification code the portal shows", "portalın gösterdiği doğrulama kodu"},
      {"Print this help message and exit", "Bu yardımı gösterir ve çıkar"},
      {"Display program version information and exit", "Sürüm bilgisini gösterir ve çıkar"},
  };
  return t;
}

// CLI11's parser errors, in Turkish by kind; the value CLI11 names stays as it is.
std::string turkish_failure(const CLI::Error& e) {
  std::string what = e.what();
  auto after_colon = [&] {
    auto at = what.find(": ");
    return at == std::string::npos ? what : what.substr(at + 2);
  };
  std::string text;
  if (dynamic_cast<const CLI::RequiredError*>(&e))
    text = what.find("subcommand") != std::string::npos ? "Bir komut gerekli." : "Eksik seçenek: " + what;
  else if (dynamic_cast<const CLI::ExtrasError*>(&e)) text = "Beklenmeyen argüman: " + after_colon();
  else if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) text = "Seçeneğin değeri eksik ya da fazla: " + what;
  else if (dynamic_cast<const CLI::ValidationError*>(&e) || dynamic_cast<const CLI::ConversionError*>(&e))
    text = "Geçersiz değer: " + what;
  else if (dynamic_cast<const CLI::ExcludesError*>(&e)) text = "Birlikte kullanılamayan seçenekler: " + what;
  else text = "Komut satırı hatası: " + what;
  return "akis: " + text + "\nAyrıntılar için: akis --help\n";
}

void localise_app(CLI::App* app, bool tr) {
  app->fallthrough();  // `akis info --reader X` as well as `akis --reader X info`
  if (tr) {
    app->description(help_text(app->get_description()));
    if (app->get_parent()) app->group("Komutlar");
    for (CLI::Option* opt : app->get_options()) {
      opt->description(help_text(opt->get_description()));
      if (opt->get_group() == "Options") opt->group("Seçenekler");
    }
  }
  for (CLI::App* sub : app->get_subcommands({})) localise_app(sub, tr);
}

// The first word that names no command where a command is expected (`akis foo`, `akis cert foo`).
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv, std::string& known) {
  CLI::App* at = &app;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") return std::nullopt;
    if (a.size() > 1 && a[0] == '-') {
      if (a.find('=') != std::string::npos || (a[1] != '-' && a.size() > 2)) continue;
      for (CLI::App* p = at; p; p = p->get_parent()) {
        const CLI::Option* opt = p->get_option_no_throw(a);
        if (opt) {
          if (opt->get_items_expected_max() > 0) ++i;  // its value
          break;
        }
      }
      continue;
    }
    auto subs = at->get_subcommands({});
    CLI::App* sub = nullptr;
    for (CLI::App* c : subs)
      if (c->check_name(a)) sub = c;
    if (sub) {
      at = sub;
      continue;
    }
    if (subs.empty()) return std::nullopt;  // a leaf: CLI11 names extra arguments itself
    known.clear();
    for (CLI::App* s : subs) known += (known.empty() ? "" : ", ") + s->get_name();
    return a;
  }
  return std::nullopt;
}

}  // namespace

std::string help_text(const std::string& english) {
  if (!turkish()) return english;
  auto it = help_table().find(english);
  return it == help_table().end() ? english : it->second;
}

void localise(CLI::App& app) {
  const bool tr = turkish();
  app.set_help_flag("-h,--help", help_text("Print this help message and exit"));
  app.set_version_flag("--version", std::string("akis ") + AKIS_VERSION_STRING,
                       help_text("Display program version information and exit"));
  if (tr) {
    auto f = std::make_shared<CLI::Formatter>();
    for (auto [k, v] : {std::pair{"Usage", "Kullanım"}, {"OPTIONS", "SEÇENEKLER"}, {"SUBCOMMAND", "KOMUT"},
                        {"SUBCOMMANDS", "KOMUTLAR"}, {"REQUIRED", "GEREKLİ"}, {"Positionals", "Konumsal argümanlar"},
                        {"TEXT", "YAZI"}, {"INT", "SAYI"}, {"Env", "Ortam değişkeni"}, {"Needs", "Gerektirir"},
                        {"Excludes", "Dışlar"}})
      f->label(k, v);
    app.formatter(f);
  }
  localise_app(&app, tr);
  // Subcommands got their formatter and failure message when they were made: set them on every one.
  std::function<void(CLI::App*)> each = [&](CLI::App* a) {
    if (tr) a->formatter(app.get_formatter());
    a->failure_message([tr](const CLI::App* self, const CLI::Error& e) {
      return tr ? turkish_failure(e) : CLI::FailureMessage::simple(self, e);
    });
    for (CLI::App* s : a->get_subcommands({})) each(s);
  };
  each(&app);
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  std::string known;
  if (auto bad = unknown_command(app, argc, argv, known)) {
    std::cerr << "akis: " << msg(M::ErrUnknownCommand, *bad, known) << "\n";
    return kUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kOk : kUsage;
  }
  return std::nullopt;
}

int report_failure(const Options& o, int code, const std::string& message) {
  std::cerr << "akis: " << message << "\n";
  if (o.json) std::cout << json_text(nlohmann::json{{"error", message}, {"exit_code", code}}) << "\n";
  return code;
}

}  // namespace akis::cli
