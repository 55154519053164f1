// SPDX-License-Identifier: LGPL-2.1-or-later
#include "messages.hpp"

#include <cstdlib>
#include <cstring>

namespace akis::cli {

namespace {

struct Entry {
  M id;
  const char* en;
  const char* tr;
};

// One row per message. Keep the placeholders ({}) in the same order in both languages.
const Entry kCatalogue[] = {
    {M::ErrNoService, "The smart card service (pcscd) is not running. Start it with: systemctl start pcscd",
     "Akıllı kart servisi (pcscd) çalışmıyor. Başlatmak için: systemctl start pcscd"},
    {M::ErrNoReader, "No card reader found. Plug in your card reader.",
     "Kart okuyucu bulunamadı. Kart okuyucunuzu takın."},
    {M::ErrReaderNotFound, "Card reader not found: {}", "Kart okuyucu bulunamadı: {}"},
    {M::ErrNoCard, "There is no card in the reader. Insert your card.", "Okuyucuda kart yok. Kartınızı takın."},
    {M::ErrUnknownCard, "The card in \"{}\" is not an AKİS e-signature card (it may be an identity card).",
     "\"{}\" okuyucusundaki kart bir AKİS e-imza kartı değil (kimlik kartı olabilir)."},
    {M::ErrCardRemoved, "The card was removed during the operation. Insert it and try again.",
     "İşlem sırasında kart çıkarıldı. Kartı takıp yeniden deneyin."},
    {M::ErrCard, "Card error: {}", "Kart hatası: {}"},
    {M::ErrNoSecretSource, "No terminal to ask for the {}; give it with --pin-fd or the {} variable.",
     "{} sorulacak bir terminal yok; --pin-fd ile ya da {} değişkeni ile verin."},
    {M::ErrNoSuchCert, "There is no certificate {} on the card.", "Kartta {} numaralı sertifika yok."},
    {M::ErrWrite, "Cannot write {}: {}", "{} dosyasına yazılamadı: {}"},

    {M::NoReaders, "No card readers.", "Kart okuyucu yok."},
    {M::ReaderEmpty, "no card", "kart yok"},
    {M::ReaderAkis, "{} card, serial {}", "{} kartı, seri no {}"},
    {M::ReaderUnknown, "not an AKİS e-signature card", "AKİS e-imza kartı değil"},
    {M::ReaderMute, "card does not answer", "kart yanıt vermiyor"},

    {M::LblReader, "Reader", "Okuyucu"},
    {M::LblCardSerial, "Card serial", "Kart seri no"},
    {M::LblCardType, "Card type", "Kart türü"},
    {M::LblLifeCycle, "Life cycle", "Yaşam döngüsü"},
    {M::LblPin, "PIN", "PIN"},
    {M::LblPuk, "PUK", "PUK"},
    {M::LblUnblock, "Unblocking", "Bloke çözme"},
    {M::LblCertificate, "Certificate", "Sertifika"},
    {M::LblHolder, "Holder", "Sahibi"},
    {M::LblTcNo, "T.C. identity no", "T.C. kimlik no"},
    {M::LblTaxNo, "Tax number", "Vergi kimlik no"},
    {M::LblOrganization, "Organisation", "Kurum"},
    {M::LblIssuer, "Issuer", "Veren"},
    {M::LblSerial, "Serial", "Seri no"},
    {M::LblKey, "Key", "Anahtar"},
    {M::LblKeyUsage, "Key usage", "Anahtar kullanımı"},
    {M::LblKind, "Type", "Sertifika türü"},
    {M::LblValid, "Valid", "Geçerlilik"},
    {M::LifeUser, "in use (user)", "kullanımda (kullanıcı)"},
    {M::LifeAdmin, "not personalised (administration)", "kişiselleştirilmemiş (yönetim)"},
    {M::LifeOther, "unknown", "bilinmiyor"},
    {M::TriesLeft, "{} of {} tries left", "Kalan deneme hakkı: {} (en çok {})"},
    {M::TriesUnknown, "tries left not shown (this card version cannot report them without risk)",
     "kalan deneme hakkı gösterilmiyor (bu kart sürümü bunu risksiz bildiremiyor)"},
    {M::Blocked, "BLOCKED", "BLOKE OLMUŞ"},
    {M::Verified, "entered in this session", "bu oturumda girildi"},
    {M::UnblockPuk, "with the PUK (card made before 2011)", "PUK ile (2011 öncesi kart)"},
    {M::UnblockOnline, "online, with a code from the certificate authority's portal (this card has no PUK)",
     "çevrimiçi, sertifika hizmet sağlayıcısının portalından alınan kod ile (bu kartta PUK yok)"},
    {M::KindQualified, "qualified electronic certificate (NES)", "nitelikli elektronik sertifika (NES)"},
    {M::KindSeal, "financial seal (Mali Mühür)", "Mali Mühür"},
    {M::KindOther, "other", "diğer"},
    {M::DaysLeft, "{} days left", "{} gün kaldı"},
    {M::WarnExpiresSoon, "WARNING: expires in {} days; apply for renewal now.",
     "UYARI: {} gün içinde sona eriyor; yenileme başvurusunu şimdi yapın."},
    {M::WarnExpired, "WARNING: expired {} days ago; it can no longer be used to sign.",
     "UYARI: {} gün önce sona erdi; artık imza için kullanılamaz."},
    {M::WarnNotYetValid, "WARNING: not valid before {}; a new card cannot be used before its start date.",
     "UYARI: {} tarihinden önce geçerli değil; yeni kart başlangıç tarihinden önce kullanılamaz."},
    {M::NoCertificates, "No certificates on the card.", "Kartta sertifika yok."},

    {M::Exported, "Certificate written to {}", "Sertifika {} dosyasına yazıldı"},

    {M::PromptPin, "Current PIN: ", "Mevcut PIN: "},
    {M::PromptNewPin, "New PIN ({}-{} digits): ", "Yeni PIN ({}-{} hane): "},
    {M::PromptNewPinAgain, "New PIN again: ", "Yeni PIN (tekrar): "},
    {M::PromptPuk, "PUK: ", "PUK: "},
    {M::ErrPinPolicy, "The PIN must have {} to {} digits and nothing else. Nothing was sent to the card.",
     "PIN yalnızca rakamlardan oluşmalı ve {}–{} haneli olmalıdır. Karta hiçbir şey gönderilmedi."},
    {M::ErrPinMismatch, "The two new PINs differ. Nothing was sent to the card.",
     "Girilen iki yeni PIN aynı değil. Karta hiçbir şey gönderilmedi."},
    {M::WrongPin, "Wrong PIN. {} tries left.", "Hatalı PIN. Kalan deneme hakkı: {}."},
    {M::WrongPinNoCount, "Wrong PIN (the card does not say how many tries are left).",
     "Hatalı PIN (kart kalan deneme hakkını bildirmiyor)."},
    {M::PinNowBlocked, "Wrong PIN. The PIN is now blocked.", "Hatalı PIN. PIN bloke oldu."},
    {M::PinIsBlocked, "The PIN is blocked.", "PIN bloke olmuş."},
    {M::HintUnblockPuk, "Unblock it with the PUK: akis pin unblock", "Blokeyi PUK ile çözün: akis pin unblock"},
    {M::HintUnblockOnline,
     "Get a verification code on the certificate authority's portal (NES İşlemleri > PIN Oluşturma/Kilit Çözme) "
     "and run: akis unlock",
     "Sertifika hizmet sağlayıcısının portalından doğrulama kodu alın (NES İşlemleri > PIN Oluşturma/Kilit Çözme) "
     "ve şunu çalıştırın: akis unlock"},
    {M::LastTryWarning, "Only one try is left: a wrong PIN now blocks the PIN.",
     "Tek deneme hakkı kaldı: şimdi hatalı PIN girilirse PIN bloke olur."},
    {M::LastTryQuestion, "Use the last try?", "Son deneme hakkı kullanılsın mı?"},
    {M::Declined, "Cancelled. Nothing was sent to the card.", "İptal edildi. Karta hiçbir şey gönderilmedi."},
    {M::PinChanged, "PIN changed.", "PIN değiştirildi."},
    {M::PukTries, "PUK: {} tries left.", "PUK için kalan deneme hakkı: {}."},
    {M::LastPukWarning,
     "Only one PUK try is left: a wrong PUK now makes the card unusable for good; it would have to be replaced.",
     "Tek PUK deneme hakkı kaldı: şimdi hatalı PUK girilirse kart kalıcı olarak kullanılamaz hâle gelir "
     "ve değiştirilmesi gerekir."},
    {M::LastPukQuestion, "Use the last PUK try?", "Son PUK deneme hakkı kullanılsın mı?"},
    {M::WrongPuk, "Wrong PUK. {} tries left.", "Hatalı PUK. Kalan deneme hakkı: {}."},
    {M::WrongPukNoCount, "Wrong PUK (the card does not say how many tries are left).",
     "Hatalı PUK (kart kalan deneme hakkını bildirmiyor)."},
    {M::PukBlocked, "The PUK is blocked: the card can no longer be unblocked and must be replaced.",
     "PUK bloke olmuş: kartın blokesi artık çözülemez, kartın değiştirilmesi gerekir."},
    {M::Unblocked, "PIN unblocked; the new PIN is set.", "PIN blokesi çözüldü; yeni PIN belirlendi."},
    {M::NoPukOnCard, "This card has no PUK: cards made after 2011 are unblocked online.",
     "Bu kartta PUK yok: 2011 sonrası kartların blokesi çevrimiçi çözülür."},
    {M::YesNoHint, "[y/N]", "[e/H]"},
    {M::YesWord, "yes", "evet"},
    {M::YesShort, "y", "e"},

    {M::PromptCode, "Verification code (15 digits): ", "Doğrulama kodu (15 hane): "},
    {M::ErrCodeFormat, "The verification code has 15 digits.", "Doğrulama kodu 15 hanelidir."},
    {M::CodeTimeLeft, "The code is valid for {} more seconds.", "Kodun geçerlilik süresi: {} saniye."},
    {M::ChooseCard, "Choose the card (1-{}): ", "Kartı seçin (1-{}): "},
    {M::ErrChoice, "No such card in the list.", "Listede böyle bir kart yok."},
    {M::UnlockContacting, "Contacting the unlock service...", "Kilit çözme servisine bağlanılıyor..."},
    {M::UnlockDone, "PIN changed successfully. The card is unblocked.",
     "PIN başarıyla değiştirildi. Kartın blokesi çözüldü."},
    {M::ErrCodeExpired, "The verification code has expired. Get a new code on the portal.",
     "Doğrulama kodunun süresi doldu. Portaldan yeni kod alın."},
    {M::ErrCodeUsed, "The verification code was already used. Get a new code on the portal.",
     "Doğrulama kodu daha önce kullanılmış. Portaldan yeni kod alın."},
    {M::ErrCodeInvalid, "The verification code is not valid. Check it, or get a new code on the portal.",
     "Doğrulama kodu geçersiz. Kontrol edin ya da portaldan yeni kod alın."},
    {M::ErrWrongCard, "This code was issued for another card. Choose the card the code is for.",
     "Bu kod başka bir kart için verilmiş. Kodun verildiği kartı seçin."},
    {M::ErrCardRevoked, "This card's certificate is suspended or revoked; it cannot be unblocked.",
     "Bu kartın sertifikası askıya alınmış ya da iptal edilmiş; blokesi çözülemez."},
    {M::ErrServiceUnreachable, "The unlock service cannot be reached: {}", "Kilit çözme servisine ulaşılamıyor: {}"},
    {M::ErrService, "The unlock service refused: {}", "Kilit çözme servisi isteği reddetti: {}"},
    {M::ErrCodeRateLimited, "Too many attempts. Wait a while and try again.",
     "Çok fazla deneme yapıldı. Bir süre bekleyip yeniden deneyin."},
    {M::ErrNeedsHttps, "The unlock service address must start with https://.",
     "Kilit çözme servisinin adresi https:// ile başlamalı."},
    {M::ErrServiceMalformed, "The unlock service gave a malformed answer; nothing was sent to the card.",
     "Kilit çözme servisi bozuk bir yanıt verdi; karta hiçbir şey gönderilmedi."},
    {M::ErrCryptogramRefused,
     "The card refused the unlock service's authorisation; the PIN was not changed. The card counts each refusal: "
     "do not retry with this service, contact your certificate authority.",
     "Kart, kilit çözme servisinin onayını reddetti; PIN değişmedi. Kart her reddi sayar: bu servisle yeniden "
     "denemeyin, sertifika hizmet sağlayıcınıza başvurun."},
    {M::ErrIssuerKeyBlocked,
     "The card no longer accepts online unlocking (too many refused authorisations). Contact your certificate authority.",
     "Kart artık çevrim içi kilit çözmeyi kabul etmiyor (çok fazla reddedilen onay). Sertifika hizmet sağlayıcınıza başvurun."},
    {M::IssuerTriesLeft, "The card accepts {} more refused unlock authorisations.",
     "Kart {} reddedilen kilit çözme onayına daha izin veriyor."},
    {M::ErrIssuerTriesLow,
     "The card accepts only {} more refused unlock authorisations; akis unlock keeps them for your certificate "
     "authority and stops here. Contact your certificate authority.",
     "Kart yalnızca {} reddedilen kilit çözme onayına daha izin veriyor; akis unlock bunları sertifika hizmet "
     "sağlayıcınıza bırakıp burada duruyor. Sertifika hizmet sağlayıcınıza başvurun."},

    {M::ProbeReader, "Reader: {}", "Okuyucu: {}"},
    {M::ProbeAtr, "ATR: {} ({}; {})", "ATR: {} ({}; {})"},
    {M::ProbeAtrUnknown, "not in the AKİS ATR table", "AKİS ATR tablosunda yok"},
    {M::ProbeApp, "PKCS#15 application found by {}", "PKCS#15 uygulaması bulundu: {}"},
    {M::ProbeNoApp, "No PKCS#15 application", "PKCS#15 uygulaması yok"},
    {M::ProbeCommands, "{} commands sent, none of them changes the card", "{} komut gönderildi, hiçbiri kartı değiştirmez"},
    {M::ProbeObjects, "Objects: {} certificates, {} private keys, {} public keys, {} skipped",
     "Nesneler: {} sertifika, {} özel anahtar, {} açık anahtar, {} atlanan"},
    {M::ProbeCounter, "Retry counter of {}: {} tries left", "{} deneme sayacı: {} hak kaldı"},
    {M::ProbeCounterNotRead, "Retry counter of {}: not read ({})", "{} deneme sayacı: okunmadı ({})"},
    {M::ProbeVerdict, "Verdict: {} ({})", "Sonuç: {} ({})"},
    {M::ProbeReportWritten, "Report written to {}: it holds no personal data and may be published.",
     "Rapor {} dosyasına yazıldı: kişisel veri içermez, herkese açık paylaşılabilir."},
    {M::ProbeRecordWritten, "Recording written to {}: it holds your certificates and card serial; send it only privately.",
     "Kayıt {} dosyasına yazıldı: sertifikalarınızı ve kart seri numaranızı içerir; yalnızca özel olarak gönderin."},
    {M::ProbeSanitised,
     "Sanitised recording written to {} ({} certificates re-issued, {} personal values replaced): it can be published.",
     "Temizlenmiş kayıt {} dosyasına yazıldı ({} sertifika yeniden düzenlendi, {} kişisel değer değiştirildi): "
     "yayımlanabilir."},
    {M::ErrSanitise, "{} cannot be sanitised: {}", "{} temizlenemiyor: {}"},

    {M::ErrSecretEof, "No {} was entered (Ctrl-D). Nothing was sent to the card.",
     "{} girilmedi (Ctrl-D). Karta hiçbir şey gönderilmedi."},
    {M::ErrFdNotOpen, "--pin-fd {}: this file descriptor is not open.", "--pin-fd {}: bu dosya tanımlayıcısı açık değil."},
    {M::ErrFdEnded, "--pin-fd {} has too few lines: the {} was expected on line {}. Nothing was sent to the card.",
     "--pin-fd {} içinde yeterli satır yok: {} {}. satırda bekleniyordu. Karta hiçbir şey gönderilmedi."},
    {M::ErrSecretTooLong, "The {} entered is too long (at most {} characters). Nothing was sent to the card.",
     "Girilen {} çok uzun (en çok {} karakter). Karta hiçbir şey gönderilmedi."},
    {M::ErrPukPolicy, "The PUK must have {} to {} digits and nothing else. Nothing was sent to the card.",
     "PUK yalnızca rakamlardan oluşmalı ve {}–{} haneli olmalıdır. Karta hiçbir şey gönderilmedi."},
    {M::WrongPinOne, "Wrong PIN. {} try left.", "Hatalı PIN. Kalan deneme hakkı: {}."},
    {M::WrongPukOne, "Wrong PUK. {} try left.", "Hatalı PUK. Kalan deneme hakkı: {}."},
    {M::PukTriesOne, "PUK: {} try left.", "PUK için kalan deneme hakkı: {}."},
    {M::ErrUnknownCommand, "Unknown command: {}. Commands: {}. See: akis --help",
     "Bilinmeyen komut: {}. Komutlar: {}. Bakınız: akis --help"},
    {M::ErrCertIndex, "The certificate number is 1 or more (as `akis info` shows it), not {}.",
     "Sertifika numarası 1 ya da daha büyük olmalıdır (`akis info` çıktısındaki gibi), {} değil."},
    {M::ErrJsonNoService, "no service", "servis yok"},

    {M::NetUnknown, "unknown network error", "bilinmeyen ağ hatası"},
    {M::NetConnection, "the connection was refused or the host cannot be reached",
     "bağlantı reddedildi ya da sunucuya ulaşılamıyor"},
    {M::NetBind, "the local network address cannot be used", "yerel ağ adresi kullanılamıyor"},
    {M::NetRead, "the connection broke while reading the answer", "yanıt okunurken bağlantı koptu"},
    {M::NetWrite, "the connection broke while sending the request", "istek gönderilirken bağlantı koptu"},
    {M::NetRedirects, "too many redirections", "çok fazla yönlendirme"},
    {M::NetCanceled, "the request was cancelled", "istek iptal edildi"},
    {M::NetTls, "the secure (TLS) connection could not be set up", "güvenli (TLS) bağlantı kurulamadı"},
    {M::NetCaFile, "the CA certificate file (--ca-file) cannot be read", "CA sertifika dosyası (--ca-file) okunamıyor"},
    {M::NetUntrusted, "the service's certificate is not trusted (wrong address, or give its CA with --ca-file)",
     "servisin sertifikasına güvenilmiyor (adres yanlış olabilir ya da CA'sını --ca-file ile verin)"},
    {M::NetMultipart, "the request could not be encoded", "istek kodlanamadı"},
    {M::NetCompression, "the answer could not be decompressed", "yanıtın sıkıştırması açılamadı"},
    {M::NetTimeout, "the service did not answer in time", "servis zamanında yanıt vermedi"},

    {M::KuDigitalSignature, "digital signature", "sayısal imza"},
    {M::KuNonRepudiation, "non-repudiation (e-signature)", "inkâr edilemezlik (e-imza)"},
    {M::KuKeyEncipherment, "key encipherment", "anahtar şifreleme"},
    {M::KuDataEncipherment, "data encipherment", "veri şifreleme"},
    {M::KuKeyAgreement, "key agreement", "anahtar anlaşması"},
    {M::KuKeyCertSign, "certificate signing", "sertifika imzalama"},
    {M::KuCrlSign, "CRL signing", "SİL imzalama"},
    {M::KuEncipherOnly, "encipher only", "yalnızca şifreleme"},
    {M::KuDecipherOnly, "decipher only", "yalnızca şifre çözme"},

    {M::SetupAdded, "{}: added", "{}: eklendi"},
    {M::SetupAlready, "{}: already registered", "{}: zaten kayıtlı"},
    {M::SetupRemoved, "{}: removed", "{}: kaldırıldı"},
    {M::SetupNotThere, "{}: not registered, nothing to remove", "{}: kayıtlı değil, kaldırılacak bir şey yok"},
    {M::SetupRegistered, "{}: registered ({})", "{}: kayıtlı ({})"},
    {M::SetupNotRegistered, "{}: not registered", "{}: kayıtlı değil"},
    {M::SetupNoProfiles,
     "No Firefox, Thunderbird or Chromium profile found. Start the program once, then run akis setup again.",
     "Firefox, Thunderbird ya da Chromium profili bulunamadı. Programı bir kez açıp akis setup komutunu yeniden "
     "çalıştırın."},
    {M::SetupFailed, "{}: failed: {}", "{}: başarısız: {}"},
    {M::SetupNoModutil, "modutil was not found. Install it with: sudo apt install libnss3-tools",
     "modutil bulunamadı. Kurmak için: sudo apt install libnss3-tools"},
    {M::SetupNoModule, "The PKCS#11 module was not found: {} (give it with --module)",
     "PKCS#11 modülü bulunamadı: {} (--module ile verin)"},
    {M::SetupRunning, "{}: the program is running; close it first (its database must not change under it).",
     "{}: program açık; önce kapatın (veritabanı program açıkken değiştirilmemeli)."},
    {M::SetupViaP11Kit, "{}: the card is already reachable through p11-kit (p11-kit-proxy is loaded)",
     "{}: kart p11-kit üzerinden zaten erişilebilir (p11-kit-proxy yüklü)"},
    {M::SetupSummary, "{} of {} profiles have the module.", "Modül {} profilde var (toplam {} profil)."},
    {M::SetupRestart, "Restart the programs to use the card.", "Kartı kullanmak için programları yeniden başlatın."},
    {M::ErrCannotRead, "Cannot read {}", "{} okunamıyor"},
    {M::ErrNoModule, "Cannot load the PKCS#11 module: {}", "PKCS#11 modülü yüklenemedi: {}"},
    {M::ErrNoSigningCert, "No such signing certificate: {}", "Böyle bir imza sertifikası yok: {}"},
    {M::SignWrongPin, "Wrong PIN.", "Hatalı PIN."},
    {M::SignPinLength, "The PIN has the wrong length.", "PIN'in uzunluğu geçersiz."},
    {M::ErrDetachedCadesOnly, "--detached is for CAdES only.", "--detached yalnızca CAdES imzası için kullanılır."},
    {M::ErrNotXml, "{} cannot be signed as XML: {}", "{} XML belgesi olarak imzalanamıyor: {}"},
    {M::SignedWith, "Signed with: {}", "İmzalayan sertifika: {}"},
    {M::Written, "Written: {}", "Yazıldı: {}"},
    {M::ErrSigning, "Signing failed: {}", "İmzalama başarısız oldu: {}"},
    {M::ErrNotASignature, "Not a signature this tool can read: {}", "Bu araçla okunabilen bir imza değil: {}"},
    {M::LblFormat, "Format", "Biçim"},
    {M::LblSignature, "Signature", "İmza"},
    {M::LblSigner, "Signer", "İmzalayan"},
    {M::LblCertValidity, "Certificate valid", "Sertifika geçerliliği"},
    {M::LblSigningTime, "Signing time", "İmza zamanı"},
    {M::ClaimedBySigner, "(claimed by the signer)", "(imzalayanın beyanı)"},
    {M::LblTimestamp, "Timestamp", "Zaman damgası"},
    {M::LblChain, "Chain", "Sertifika zinciri"},
    {M::LblVerdict, "Verdict", "Sonuç"},
    {M::WordValid, "valid", "geçerli"},
    {M::WordInvalid, "INVALID", "GEÇERSİZ"},
    {M::ChainTrusted, "trusted", "güvenilir"},
    {M::ChainUntrusted, "NOT trusted ({})", "güvenilir DEĞİL ({})"},
    {M::ChainNotChecked, "not checked (no --ca)", "denetlenmedi (--ca verilmedi)"},
    {M::VerdictValid, "VALID: the document is unchanged and the signer is trusted",
     "GEÇERLİ: belge değiştirilmemiş ve imzalayan güvenilir"},
    {M::VerdictInvalid, "INVALID: the document or the signature was changed",
     "GEÇERSİZ: belge ya da imza değiştirilmiş"},
    {M::VerdictTimestamp, "INVALID: the timestamp does not verify", "GEÇERSİZ: zaman damgası doğrulanamadı"},
    {M::VerdictUntrusted, "NOT TRUSTED: the signature is intact but the certificate chain is not trusted",
     "GÜVENİLMİYOR: imza bozulmamış ama sertifika zinciri güvenilir değil"},
    {M::VerdictNotChecked, "INTACT: the document is unchanged; the signer was not checked (give --ca)",
     "BOZULMAMIŞ: belge değiştirilmemiş; imzalayan denetlenmedi (--ca ile kök sertifikayı verin)"},
    {M::EonayWrongSigner, "Refused: the card is not the account holder's (another T.C. Kimlik No).",
     "Reddedildi: kart hesap sahibine ait değil (T.C. kimlik no farklı)."},
    {M::EonayTextMismatch, "Refused: the signed text is not the service's E-Onay text.",
     "Reddedildi: imzalanan metin hizmetin E-Onay metni değil."},
    {M::EonayCertExpired, "Refused: the card's certificate is expired or not yet valid.",
     "Reddedildi: kartın sertifikasının süresi dolmuş ya da sertifika henüz geçerli değil."},
    {M::EonayCertUntrusted, "Refused: the card's certificate is not issued by the trusted CA.",
     "Reddedildi: kartın sertifikası güvenilen sertifika hizmet sağlayıcısı tarafından verilmemiş."},
    {M::EonayConfirm, "Do you approve this text and sign it with your card? [y/N] ",
     "Bu metni onaylayıp kartınızla imzalıyor musunuz? [e/H] "},
    {M::EonayGiven, "E-Onay given (text version {}).", "E-Onay verildi (metin sürümü {})."},
    {M::PdfNotWholeFile, "the signature does not cover the whole file (changes after signing)",
     "imza dosyanın tamamını kapsamıyor (imzadan sonra değişiklik yapılmış)"},
    {M::ErrVisible, "--visible PAGE,X,Y,W,H (PDF points from the lower left corner of the page): {}",
     "--visible SAYFA,X,Y,GENİŞLİK,YÜKSEKLİK (sayfanın sol alt köşesinden PDF noktası cinsinden): {}"},
    {M::ErrVisibleNotPdf, "--visible is for PDF (PAdES) signatures only.",
     "--visible yalnızca PDF (PAdES) imzası için kullanılır."},
    {M::StampSignedBy, "Signed electronically by {}", "Elektronik olarak imzalayan: {}"},
    {M::StampDate, "Date: {}", "Tarih: {}"},
};
static_assert(sizeof kCatalogue / sizeof kCatalogue[0] == static_cast<std::size_t>(M::kCount),
              "every message needs a row");

bool detect_turkish() {
  for (const char* var : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v) return std::strncmp(v, "tr", 2) == 0;
  }
  return false;
}
}  // namespace

bool turkish() {
  static const bool tr = detect_turkish();
  return tr;
}

std::string http_error_text(int e) {
  if (e < 1 || e > static_cast<int>(M::NetTimeout) - static_cast<int>(M::NetUnknown) + 1) return text(M::NetUnknown);
  return text(static_cast<M>(static_cast<int>(M::NetUnknown) + e - 1));
}

std::string key_usage_text(const std::string& name) {
  static const char* const kNames[] = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                       "dataEncipherment", "keyAgreement",   "keyCertSign",
                                       "cRLSign",          "encipherOnly",   "decipherOnly"};
  for (int i = 0; i < 9; ++i)
    if (name == kNames[i]) return text(static_cast<M>(static_cast<int>(M::KuDigitalSignature) + i));
  return name;
}

bool catalogue_is_consistent(std::string* problem) {
  auto count = [](const char* t) {
    std::size_t n = 0;
    for (const char* p = std::strstr(t, "{}"); p; p = std::strstr(p + 2, "{}")) ++n;
    return n;
  };
  for (std::size_t i = 0; i < static_cast<std::size_t>(M::kCount); ++i) {
    const auto& e = kCatalogue[i];
    if (static_cast<std::size_t>(e.id) != i) {
      if (problem) *problem = std::string("row out of order: ") + e.en;
      return false;
    }
    if (count(e.en) != count(e.tr) || !*e.en || !*e.tr) {
      if (problem) *problem = std::string("placeholders differ: ") + e.en;
      return false;
    }
  }
  return true;
}

const char* text(M id) {
  const auto& e = kCatalogue[static_cast<std::size_t>(id)];
  return turkish() ? e.tr : e.en;
}

}  // namespace akis::cli
