// SPDX-License-Identifier: LGPL-2.1-or-later
// Cards that are not AKİS e-signature cards, in readers next to ours: the module is loaded by p11-kit into
// every GnuTLS program, so such a card is looked at once per insertion (ISO commands only for an ATR that is
// not AKİS), never again on later calls.
#include "p11_fixture.hpp"

using namespace akis;
using namespace akis::test;

namespace {

class Unrecognized : public P11 {
 protected:
  std::shared_ptr<vcard::VirtualCard> insert_with_atr(Variant v, const Bytes& atr) {
    vcard::CardState s = card_state(v);
    s.atr = atr;
    auto card = std::make_shared<vcard::VirtualCard>(s);
    readers().insert(kReaderA, card);
    return card;
  }
  std::size_t calls_after_first_look() {
    init();
    CK_SLOT_ID slot = slot_of(kReaderA);
    CK_TOKEN_INFO ti;
    EXPECT_EQ(f->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_RECOGNIZED);
    std::size_t first = readers().commands();
    for (int i = 0; i < 10; ++i) {
      EXPECT_EQ(f->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_RECOGNIZED);
      CK_SESSION_HANDLE h;
      EXPECT_EQ(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_TOKEN_NOT_RECOGNIZED);
      slots(true);
      CK_ULONG n = 0;
      f->C_GetMechanismList(slot, nullptr, &n);
    }
    EXPECT_GT(first, 0u);
    return readers().commands() - first;
  }
};

TEST_F(Unrecognized, AnIdCardIsLookedAtOncePerInsertion) {
  insert(Variant::IdCard);
  EXPECT_EQ(calls_after_first_look(), 0u);
}

TEST_F(Unrecognized, ACardOfAnotherMakerIsLookedAtOncePerInsertion) {
  // An ATR outside the AKİS table (a PIV token's): ISO discovery only (tests/unit: no class-80 command to it).
  auto card = insert_with_atr(Variant::IdCard, from_hex("3BF81300008131FE15597562696B657934D4"));
  EXPECT_EQ(calls_after_first_look(), 0u);
  EXPECT_GT(card->commands_seen(), 0u);
}

}  // namespace
