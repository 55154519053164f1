// SPDX-License-Identifier: LGPL-2.1-or-later
// akis-gui's "Online unlock" dialog against the virtual card through the real pcscd and the reference unlock
// service (HTTPS, SoftHSM2 issuer key) that the test starts as the unlock client tests do (unlock_fixture.hpp),
// offscreen, in the run's language. Refusals before and by the service spend nothing (the card's state file:
// PIN and issuer-key counters); the completed unlock leaves the new PIN with full tries, and it signs.
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QtTest>

#include "../clients/unlock_fixture.hpp"
#include "app.hpp"
#include "main_window.hpp"
#include "messages.hpp"
#include "unlock_dialog.hpp"
#include "unlock_flow.hpp"

using namespace akis;
using namespace akis::test;
using akis::cli::M;
using akis::cli::msg;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
// The catalogue text before its first argument: messages that end in a system's reason.
QString head(M id) { return q(msg(id, std::string())); }

class GuiUnlock : public Unlock {
 protected:
  static void TearDownTestSuite() {
    window_.reset();  // before pcscd goes
    Unlock::TearDownTestSuite();
  }
  gui::MainWindow& window() {
    if (!window_) {
      window_ = std::make_unique<gui::MainWindow>();
      window_->show();
      EXPECT_TRUE(QTest::qWaitForWindowExposed(window_.get()));
    }
    return *window_;
  }
  // Waits (running the event loop) until the window has read the card in `reader` and selects it.
  const gui::CardReport* card_in_window(bool blocked, const std::string& reader = Pcscd::kReader0) {
    auto& w = window();
    bool ok = QTest::qWaitFor([&] {
      auto it = w.reports().find(reader);
      return it != w.reports().end() && it->second.pin_status.blocked == blocked && !w.busy();
    }, 15000);
    if (!ok) return nullptr;
    auto items = w.reader_list()->findItems(q(reader), Qt::MatchStartsWith);
    if (items.isEmpty()) return nullptr;
    w.reader_list()->setCurrentItem(items[0]);
    return &w.reports().at(reader);
  }
  // Types the code and the two PINs (the first with the on-screen keypad), presses Unlock and waits for the answer.
  // The dialog may be gone when it returns (it closes itself once the card holds the new PIN).
  static void submit(QPointer<gui::UnlockDialog> d, const std::string& code, const std::string& pin,
                     const std::string& again) {
    d->findChild<QLineEdit*>("code")->setText(q(code));
    auto* first = d->findChild<QLineEdit*>("newPin");
    first->setFocus();
    for (char ch : pin) d->findChild<QPushButton*>(QString("key") + ch)->click();
    QTest::keyClicks(d->findChild<QLineEdit*>("newPinAgain"), q(again));
    d->findChild<QPushButton*>("ok")->click();
    EXPECT_TRUE(QTest::qWaitFor([&] { return d.isNull() || !d->working(); }, 30000));
  }
  void shot(QWidget* w, const char* name) {
    QTest::qWait(50);  // let the layout settle
    w->grab().save(QString("%1/%2-%3.png").arg(AKIS_SCREENSHOT_DIR, name, cli::turkish() ? "tr" : "en"));
  }
  static inline std::unique_ptr<gui::MainWindow> window_;
};

TEST_F(GuiUnlock, RefusalsSpendNothingThenTheDialogUnlocksAndTheNewPinSigns) {
  const std::string state = blocked_card();  // enrolled for ayse; three wrong PINs through `akis pin change`
  auto counters = [&] {
    auto s = vcard::load(state);
    return std::pair{s.pin(0x81)->tries_left, s.auth_key(1)->tries_left};
  };
  const auto before = counters();
  ASSERT_EQ(before.first, 0);
  const gui::CardReport* r = card_in_window(true);
  ASSERT_TRUE(r);
  ASSERT_FALSE(r->puk);
  EXPECT_TRUE(window().findChild<QPushButton*>("onlineUnlock")->isEnabled());
  EXPECT_FALSE(window().findChild<QPushButton*>("unblockPin")->isEnabled());
  QPointer<gui::UnlockDialog> d = window().open_unlock_dialog();
  ASSERT_TRUE(d);
  ASSERT_TRUE(QTest::qWaitForWindowExposed(d));

  // Keyboard: the code field has the focus, Tab goes on to the two PIN fields; every control has a name.
  EXPECT_EQ(d->focusWidget()->objectName(), "code");
  QTest::keyClick(d->focusWidget(), Qt::Key_Tab);
  EXPECT_EQ(d->focusWidget()->objectName(), "newPin");
  QTest::keyClick(d->focusWidget(), Qt::Key_Tab);
  EXPECT_EQ(d->focusWidget()->objectName(), "newPinAgain");
  for (auto* w : d->findChildren<QWidget*>()) {
    if (qobject_cast<QLineEdit*>(w) || qobject_cast<QPushButton*>(w)) {
      EXPECT_FALSE(w->accessibleName().isEmpty()) << w->objectName().toStdString();
    }
  }
  for (const char* name : {"newPin", "newPinAgain"}) {
    EXPECT_EQ(d->findChild<QLineEdit*>(name)->echoMode(), QLineEdit::Password) << name;
  }

  // Before the service: the address, the code's format and the PIN policy (nothing is listening yet).
  auto* service = d->findChild<QLineEdit*>("service");
  EXPECT_EQ(service->text(), QString(cli::kDefaultUnlockService));
  service->setText(q("http://127.0.0.1:" + std::to_string(kPort)));
  submit(d, "123456789012345", "24681357", "24681357");
  EXPECT_EQ(d->message(), q(msg(M::ErrNeedsHttps)));
  service->setText(q("https://127.0.0.1:" + std::to_string(kPort)));
  d->findChild<QLineEdit*>("caFile")->setText(q(data_ + "/tls-cert.pem"));
  submit(d, "12345", "24681357", "24681357");
  EXPECT_EQ(d->message(), q(msg(M::ErrCodeFormat)));
  submit(d, "123456789012345", "12", "12");
  EXPECT_EQ(d->message(), q(msg(M::ErrPinPolicy, r->pin.min_length, r->pin.max_length)));
  submit(d, "123456789012345", "24681357", "24681350");
  EXPECT_EQ(d->message(), q(msg(M::ErrPinMismatch)));
  EXPECT_EQ(d->findChild<QLineEdit*>("newPin")->text(), QString());  // the PIN does not stay in the field
  submit(d, "123 456 789 012 345", "24681357", "24681357");  // pasted with separators; no service yet
  EXPECT_TRUE(d->message().startsWith(head(M::ErrServiceUnreachable))) << d->message().toStdString();
  EXPECT_EQ(counters(), before);

  start_service({"--code-ttl", "4"});  // short-lived codes: the countdown below runs out
  // A code the service never issued: refused at the check, the card hears nothing.
  submit(d, "000000000000000", "24681357", "24681357");
  EXPECT_EQ(d->message(), q(msg(M::ErrCodeInvalid)));
  EXPECT_EQ(counters(), before);
  // Mehmet's live code for Ayşe's card: the service refuses to authorise; no PIN or issuer-key try is spent.
  const std::string mehmets = code_for("mehmet", "parola-mehmet");
  submit(d, mehmets, "24681357", "24681357");
  EXPECT_EQ(d->message(), q(msg(M::ErrWrongCard)));
  EXPECT_TRUE(d->progress().contains(q(msg(M::UnlockContacting)))) << d->progress().toStdString();
  EXPECT_TRUE(d->progress().contains(q(msg(M::IssuerTriesLeft, before.second)))) << d->progress().toStdString();
  EXPECT_FALSE(d->progress().contains("24681357") || d->message().contains("24681357"));
  EXPECT_EQ(counters(), before);
  EXPECT_EQ(vcard::load(state).pin(0x81)->value, to_bytes("123456"));
  // The checked code's time left counts down live (not a static progress line); at zero the dialog says the code
  // expired and does not send it again: no flow starts, the card hears nothing.
  const QString time_left = q(msg(M::CodeTimeLeft, 0)).section('0', 0, 0);  // the words before the number
  EXPECT_FALSE(d->progress().contains(time_left)) << d->progress().toStdString();
  const QString counted = d->validity();
  EXPECT_TRUE(counted.startsWith(time_left)) << counted.toStdString();
  shot(d, "online-unlock");
  EXPECT_TRUE(QTest::qWaitFor([&] { return d->validity() != counted; }, 2500)) << counted.toStdString();
  EXPECT_TRUE(d->validity().startsWith(time_left) || d->validity() == q(msg(M::ErrCodeExpired)));
  EXPECT_TRUE(QTest::qWaitFor([&] { return d->validity() == q(msg(M::ErrCodeExpired)); }, 6000))
      << d->validity().toStdString();
  const QString progress_before = d->progress();
  submit(d, mehmets, "24681357", "24681357");
  EXPECT_EQ(d->message(), q(msg(M::ErrCodeExpired)));
  EXPECT_EQ(d->progress(), progress_before);  // the flow did not run: the service was not contacted
  EXPECT_EQ(counters(), before);
  EXPECT_EQ(d->findChild<QLineEdit*>("newPin")->text(), QString());
  shot(d, "online-unlock-expired");
  d->findChild<QLineEdit*>("code")->clear();  // another code: the countdown goes
  EXPECT_EQ(d->validity(), QString());

  // Ayşe's code: the card takes the new PIN; the dialog closes and the window reads the card again.
  d->findChild<QLineEdit*>("code")->setText(q(code_for("ayse", "parola-ayse")));
  d->findChild<QLineEdit*>("newPin")->setFocus();
  for (char ch : std::string("24681357")) d->findChild<QPushButton*>(QString("key") + ch)->click();
  QTest::keyClicks(d->findChild<QLineEdit*>("newPinAgain"), "24681357");
  d->findChild<QPushButton*>("ok")->click();
  EXPECT_TRUE(d->working());  // the busy bar runs and the buttons wait while the card thread works
  EXPECT_TRUE(d->findChild<QProgressBar*>()->isVisible());
  EXPECT_FALSE(d->findChild<QPushButton*>("ok")->isEnabled());
  EXPECT_FALSE(d->findChild<QPushButton*>("cancel")->isEnabled());  // Cancel waits for the answer
  d->reject();  // and so does Escape: the dialog stays
  EXPECT_TRUE(d && d->isVisible());
  ASSERT_TRUE(QTest::qWaitFor([&] { return d.isNull() || !d->isVisible(); }, 30000)) << d->message().toStdString();
  auto pin = *vcard::load(state).pin(0x81);
  EXPECT_EQ(pin.value, to_bytes("24681357"));
  EXPECT_EQ(pin.tries_left, 3);
  EXPECT_EQ(vcard::load(state).auth_key(1)->tries_left, before.second);  // the authorisation was accepted
  ASSERT_TRUE(card_in_window(false));
  EXPECT_EQ(window().findChild<QLabel*>("pinTries")->text(), q(msg(M::TriesLeft, 3, 3)));
  EXPECT_FALSE(window().findChild<QPushButton*>("onlineUnlock")->isEnabled());

  // The new PIN logs in and signs through the PKCS#11 module; OpenSSL checks the signature.
  const std::string doc = data_ + "/belge.txt";
  std::ofstream(doc) << "kilidi açılan kartla imza\n";
  std::string out;
  ASSERT_EQ(run_command("AKIS_PIN=24681357 " + kAkis + " sign '" + doc + "' 2>&1", out), 0) << out;
  ASSERT_EQ(run_command("openssl cms -verify -noverify -inform DER -in '" + doc + ".imz' 2>&1", out), 0) << out;
  EXPECT_NE(out.find("kilidi açılan kartla imza"), std::string::npos) << out;
}

// Two blocked post-2011 cards of the same holder: the dialog unlocks the card selected in the window, not the other.
TEST_F(GuiUnlock, TheCardSelectedInTheWindowIsTheOneUnlocked) {
  auto blocked = [&](int port) {
    vcard::CardState card = vcard::personalise(options_for(Variant::Post2011));  // a serial of its own
    card.pin(0x81)->tries_left = 0;
    std::string path = insert_state(card, port);
    admin("enrol --username ayse --card-state '" + path + "'");
    return path;
  };
  const std::string first = blocked(35963), second = blocked(35964);
  ASSERT_NE(vcard::load(first).serial, vcard::load(second).serial);
  start_service();
  ASSERT_TRUE(card_in_window(true, Pcscd::kReader0));
  ASSERT_TRUE(card_in_window(true, Pcscd::kReader1));  // selected
  QPointer<gui::UnlockDialog> d = window().open_unlock_dialog();
  ASSERT_TRUE(d);
  d->findChild<QLineEdit*>("service")->setText(q("https://127.0.0.1:" + std::to_string(kPort)));
  d->findChild<QLineEdit*>("caFile")->setText(q(data_ + "/tls-cert.pem"));
  submit(d, code_for("ayse", "parola-ayse"), "97531864", "97531864");
  ASSERT_TRUE(QTest::qWaitFor([&] { return d.isNull() || !d->isVisible(); }, 30000)) << d->message().toStdString();
  EXPECT_EQ(vcard::load(second).pin(0x81)->value, to_bytes("97531864"));
  EXPECT_EQ(vcard::load(second).pin(0x81)->tries_left, 3);
  EXPECT_EQ(vcard::load(first).pin(0x81)->tries_left, 0);  // the other card is untouched
  EXPECT_NE(vcard::load(first).pin(0x81)->value, to_bytes("97531864"));
}

}  // namespace

int main(int argc, char** argv) {
  qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QApplication::setFont(QFont("DejaVu Sans", 10));
  if (!gui::install_translation(app) && cli::turkish()) return 2;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
