<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="tr_TR" sourcelanguage="en">
<context>
    <name>QObject</name>
    <message>
        <source>cannot read %1</source>
        <translation>okunamıyor: %1</translation>
    </message>
    <message>
        <source>Signed with %1
Written: %2</source>
        <translation>İmzalayan sertifika: %1
Yazıldı: %2</translation>
    </message>
    <message>
        <source>The signature is valid: the document is unchanged.</source>
        <translation>İmza geçerli: belge değiştirilmemiş.</translation>
    </message>
    <message>
        <source>The signature is NOT valid: %1</source>
        <translation>İmza GEÇERSİZ: %1</translation>
    </message>
    <message>
        <source>Signing time: %1</source>
        <translation>İmza zamanı: %1</translation>
    </message>
</context>
<context>
    <name>akis::gui::Keypad</name>
    <message>
        <source>On-screen keypad</source>
        <translation>Ekran tuş takımı</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Sil</translation>
    </message>
</context>
<context>
    <name>akis::gui::MainWindow</name>
    <message>
        <source>Card notice</source>
        <translation>Kart uyarısı</translation>
    </message>
    <message>
        <source>&amp;Sign or verify…</source>
        <translation>&amp;İmzala veya doğrula…</translation>
    </message>
    <message>
        <source>&amp;Online unlock…</source>
        <translation>Ç&amp;evrimiçi kilit açma…</translation>
    </message>
    <message>
        <source>AKİS card manager</source>
        <translation>AKİS kart yöneticisi</translation>
    </message>
    <message>
        <source>Readers and cards</source>
        <translation>Okuyucular ve kartlar</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>Sertifikalar</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>Sertifika</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>Son geçerlilik</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>Kalan gün</translation>
    </message>
    <message>
        <source>&amp;Details…</source>
        <translation>&amp;Ayrıntılar…</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Dışa aktar…</translation>
    </message>
    <message>
        <source>Change &amp;PIN…</source>
        <translation>&amp;PIN değiştir…</translation>
    </message>
    <message>
        <source>&amp;Unblock PIN…</source>
        <translation>PIN blokesini &amp;kaldır…</translation>
    </message>
    <message>
        <source>Working with the card</source>
        <translation>Kartla çalışılıyor</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>A&amp;yarlar</translation>
    </message>
    <message>
        <source>&amp;Notify about expiring certificates and blocked PINs</source>
        <translation>Süresi dolan sertifikalar ve bloke PIN için &amp;bildirim göster</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Dosya</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Çı&amp;kış</translation>
    </message>
    <message>
        <source>reading the card…</source>
        <translation>kart okunuyor…</translation>
    </message>
    <message>
        <source>AKİS card: %1</source>
        <translation>AKİS kartı: %1</translation>
    </message>
    <message>
        <source>Certificate details</source>
        <translation>Sertifika ayrıntıları</translation>
    </message>
    <message>
        <source>Export certificate</source>
        <translation>Sertifikayı dışa aktar</translation>
    </message>
    <message>
        <source>PEM (*.pem *.crt);;DER (*.der *.cer)</source>
        <translation>PEM (*.pem *.crt);;DER (*.der *.cer)</translation>
    </message>
</context>
<context>
    <name>akis::gui::PinDialog</name>
    <message>
        <source>Change PIN</source>
        <translation>PIN değiştir</translation>
    </message>
    <message>
        <source>Unblock PIN with PUK</source>
        <translation>PUK ile PIN blokesini kaldır</translation>
    </message>
    <message>
        <source>Current PIN</source>
        <translation>Mevcut PIN</translation>
    </message>
    <message>
        <source>PUK</source>
        <translation>PUK</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>İleti</translation>
    </message>
    <message>
        <source>Working with the card</source>
        <translation>Kartla çalışılıyor</translation>
    </message>
    <message>
        <source>&amp;Change PIN</source>
        <translation>PIN&apos;i &amp;değiştir</translation>
    </message>
    <message>
        <source>&amp;Unblock</source>
        <translation>Blokeyi &amp;kaldır</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Vazgeç</translation>
    </message>
</context>
<context>
    <name>akis::gui::SignDialog</name>
    <message>
        <source>Sign or verify a document</source>
        <translation>Belge imzala veya doğrula</translation>
    </message>
    <message>
        <source>Drop a file here or choose one.</source>
        <translation>Bir dosyayı buraya bırakın veya seçin.</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Belge</translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation>&amp;Seç…</translation>
    </message>
    <message>
        <source>Choose a document</source>
        <translation>Belge seç</translation>
    </message>
    <message>
        <source>&amp;Document</source>
        <translation>&amp;Belge</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>&amp;PIN</translation>
    </message>
    <message>
        <source>&amp;Sign</source>
        <translation>&amp;İmzala</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>İmzala</translation>
    </message>
    <message>
        <source>&amp;Verify</source>
        <translation>&amp;Doğrula</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>Doğrula</translation>
    </message>
    <message>
        <source>Working with the card</source>
        <translation>Kartla çalışılıyor</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Sonuç</translation>
    </message>
    <message>
        <source>V&amp;isible signature</source>
        <translation>&amp;Görünür imza</translation>
    </message>
    <message>
        <source>Visible signature</source>
        <translation>Görünür imza</translation>
    </message>
    <message>
        <source>PDF only: a box with the signer and the date at the lower left of page 1</source>
        <translation>Yalnız PDF: 1. sayfanın sol altında imzalayan ve tarihi gösteren bir kutu</translation>
    </message>
</context>
<context>
    <name>akis::gui::Tray</name>
    <message>
        <source>AKİS card manager</source>
        <translation>AKİS kart yöneticisi</translation>
    </message>
    <message>
        <source>No card needs attention.</source>
        <translation>İlgilenilmesi gereken kart yok.</translation>
    </message>
    <message>
        <source>Card manager menu</source>
        <translation>Kart yöneticisi menüsü</translation>
    </message>
    <message>
        <source>&amp;Show the card manager</source>
        <translation>Kart yöneticisini &amp;göster</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Çı&amp;kış</translation>
    </message>
</context>
<context>
    <name>akis::gui::UnlockDialog</name>
    <message>
        <source>Online unlock</source>
        <translation>Çevrimiçi kilit açma</translation>
    </message>
    <message>
        <source>Get a verification code on the certificate authority&apos;s portal (NES İşlemleri &gt; PIN Oluşturma/Kilit Çözme) and enter it here with a new PIN. The PIN goes only to the card.</source>
        <translation>Sertifika sağlayıcısının portalından (NES İşlemleri &gt; PIN Oluşturma/Kilit Çözme) bir doğrulama kodu alın ve burada yeni PIN ile birlikte girin. PIN yalnızca karta gider.</translation>
    </message>
    <message>
        <source>Unlock &amp;service</source>
        <translation>Kilit çözme &amp;servisi</translation>
    </message>
    <message>
        <source>CA &amp;certificate (optional)</source>
        <translation>&amp;CA sertifikası (isteğe bağlı)</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Gözat…</translation>
    </message>
    <message>
        <source>Choose the CA certificate</source>
        <translation>CA sertifikasını seçin</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>İlerleme</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>İleti</translation>
    </message>
    <message>
        <source>Working with the card</source>
        <translation>Kartla çalışılıyor</translation>
    </message>
    <message>
        <source>&amp;Unlock</source>
        <translation>&amp;Kilidi aç</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Kilidi aç</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Vazgeç</translation>
    </message>
    <message>
        <source>CA certificate</source>
        <translation>CA sertifikası</translation>
    </message>
    <message>
        <source>PEM (*.pem *.crt);;All files (*)</source>
        <translation>PEM (*.pem *.crt);;Tüm dosyalar (*)</translation>
    </message>
    <message>
        <source>Time left for the code</source>
        <translation>Kodun kalan süresi</translation>
    </message>
</context>
</TS>
