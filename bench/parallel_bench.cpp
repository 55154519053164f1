// SPDX-License-Identifier: LGPL-2.1-or-later
// Two cards in two readers signing from two threads, against one card signing from one thread, with in-process
// virtual readers whose every command takes the time the virtual card's latency model gives (slept for real).
// Through pcscd the two slots of one vpcd reader are serialised by pcscd itself, so this is measured in-process.
// The module holds no global lock across card I/O: two cards should give close to twice the rate.
// Not a test: it prints a line for docs/performance.md.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "akis/error.hpp"
#include "backend.hpp"
#include "module.hpp"
#include "personalise.hpp"
#include "virtual_card.hpp"

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR);

using namespace akis;

namespace {

// Per command 2 ms, per byte 20 us, per private-key operation 60 ms: a card a few times faster than a real
// one, so that a run takes seconds; what matters is the ratio.
const vcard::Latency kLatency{2.0, 20.0, 60.0};
std::map<std::string, std::shared_ptr<vcard::VirtualCard>> g_cards;

class SleepingTransport final : public Transport {
 public:
  explicit SleepingTransport(std::string reader) : reader_(std::move(reader)), card_(g_cards.at(reader_)) {}
  Bytes transmit(ByteView apdu) override {
    Bytes r = card_->process(apdu);
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long>(card_->last_cost_ms(kLatency) * 1000)));
    return r;
  }
  Bytes atr() const override { return card_->atr(); }
  std::string name() const override { return reader_; }

 private:
  std::string reader_;
  std::shared_ptr<vcard::VirtualCard> card_;
};

class TwoReaders final : public p11::Backend {
 public:
  std::vector<pcsc::ReaderState> readers() override {
    std::vector<pcsc::ReaderState> out;
    for (auto& [name, card] : g_cards) {
      pcsc::ReaderState s;
      s.name = name;
      s.present = true;
      s.atr = card->atr();
      s.event_count = 1;
      out.push_back(s);
    }
    return out;
  }
  std::unique_ptr<Transport> connect(const std::string& r) override { return std::make_unique<SleepingTransport>(r); }
  bool wait_for_change(const std::vector<pcsc::ReaderState>&, std::chrono::milliseconds) override { return false; }
  void cancel_wait() override {}
};
std::unique_ptr<p11::Backend> make_two_readers() { return std::make_unique<TwoReaders>(); }

CK_FUNCTION_LIST_PTR f = nullptr;

CK_SESSION_HANDLE logged_in_session(CK_SLOT_ID slot, CK_OBJECT_HANDLE& key) {
  CK_SESSION_HANDLE h = 0;
  f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
  CK_UTF8CHAR pin[] = {'1', '2', '3', '4', '5', '6'};
  f->C_Login(h, CKU_USER, pin, sizeof pin);  // each token (card) has its own login
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
  CK_ULONG n = 0;
  f->C_FindObjectsInit(h, &t, 1);
  f->C_FindObjects(h, &key, 1, &n);
  f->C_FindObjectsFinal(h);
  return h;
}

int sign_n(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, int n) {
  int ok = 0;
  CK_BYTE data[] = "paralel imza";
  for (int i = 0; i < n; ++i) {
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CK_BYTE sig[512];
    CK_ULONG len = sizeof sig;
    if (f->C_SignInit(h, &m, key) == CKR_OK && f->C_Sign(h, data, sizeof data - 1, sig, &len) == CKR_OK) ++ok;
  }
  return ok;
}

}  // namespace

int main() {
  vcard::PersonaliseOptions o;
  o.pre2011 = true;
  g_cards["Reader A"] = std::make_shared<vcard::VirtualCard>(vcard::personalise(o));
  g_cards["Reader B"] = std::make_shared<vcard::VirtualCard>(vcard::personalise(o));
  for (auto& [n, c] : g_cards) c->power_on();
  p11::set_backend_factory(&make_two_readers);
  C_GetFunctionList(&f);
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS;  // this backend needs no monitor
  if (f->C_Initialize(&args) != CKR_OK) return 1;
  CK_SLOT_ID slots[2];
  CK_ULONG count = 2;
  f->C_GetSlotList(CK_TRUE, slots, &count);
  if (count != 2) return 2;
  CK_OBJECT_HANDLE ka = 0, kb = 0;
  CK_SESSION_HANDLE a = logged_in_session(slots[0], ka), b = logged_in_session(slots[1], kb);
  const int n = 12;
  auto t0 = std::chrono::steady_clock::now();
  int one = sign_n(a, ka, n);
  double one_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int two_a = 0, two_b = 0;
  t0 = std::chrono::steady_clock::now();
  std::thread ta([&] { two_a = sign_n(a, ka, n); });
  std::thread tb([&] { two_b = sign_n(b, kb, n); });
  ta.join();
  tb.join();
  double two_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double rate1 = one / one_s, rate2 = (two_a + two_b) / two_s;
  std::printf("one card, one thread: %d signatures in %.2f s (%.1f/s); two cards, two threads: %d in %.2f s "
              "(%.1f/s); ratio %.2f\n",
              one, one_s, rate1, two_a + two_b, two_s, rate2, rate2 / rate1);
  f->C_Finalize(nullptr);
  g_cards.clear();
  return one == n && two_a == n && two_b == n ? 0 : 3;
}
