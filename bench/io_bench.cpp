// SPDX-License-Identifier: LGPL-2.1-or-later
// Counts the card I/O of typical PKCS#11 flows through the module, against the floor the card protocol
// allows, and prices it with the virtual card's latency model (a contact card at ~115 kbit/s, RSA-2048).
// Not a test: it prints a table for docs/performance.md.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "akis/error.hpp"
#include "backend.hpp"
#include "module.hpp"
#include "personalise.hpp"
#include "virtual_card.hpp"

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR);

using namespace akis;

namespace {

struct Meter {
  std::shared_ptr<vcard::VirtualCard> card;
  vcard::Latency latency = vcard::Latency::realistic();
  std::size_t commands = 0, bytes = 0;
  double modelled_ms = 0;
  std::size_t max_file = 0;
  void reset() { commands = bytes = 0, modelled_ms = 0; }
};
Meter g;

class MeteredTransport final : public Transport {
 public:
  Bytes transmit(ByteView apdu) override {
    Bytes r = g.card->process(apdu);
    ++g.commands;
    g.bytes += apdu.size() + r.size();
    g.modelled_ms += g.card->last_cost_ms(g.latency);
    return r;
  }
  Bytes atr() const override { return g.card->atr(); }
  std::string name() const override { return "Bench Reader"; }
};

class BenchBackend final : public p11::Backend {
 public:
  std::vector<pcsc::ReaderState> readers() override {
    pcsc::ReaderState s;
    s.name = "Bench Reader";
    s.present = true;
    s.atr = g.card->atr();
    s.event_count = 1;
    return {s};
  }
  std::unique_ptr<Transport> connect(const std::string&) override { return std::make_unique<MeteredTransport>(); }
  bool wait_for_change(const std::vector<pcsc::ReaderState>&, std::chrono::milliseconds) override { return false; }
  void cancel_wait() override {}
};
std::unique_ptr<p11::Backend> make_bench_backend() { return std::make_unique<BenchBackend>(); }

void check(CK_RV rv, const char* what) {
  if (rv != CKR_OK) {
    std::fprintf(stderr, "%s failed: 0x%lx\n", what, rv);
    std::exit(1);
  }
}

// Minimum commands to move `size` bytes out of one file: SELECT + READ BINARY chunks of 244.
std::size_t file_floor(std::size_t size) { return 1 + (size + 243) / 244; }

void row(const char* flow, std::size_t floor, double wall_ms) {
  std::printf("| %s | %zu | %zu | %zu | %.0f ms | %.2f ms |\n", flow, g.commands, floor, g.bytes, g.modelled_ms,
              wall_ms);
}

}  // namespace

int main() {
  vcard::PersonaliseOptions po;
  po.pre2011 = true;
  auto state = vcard::personalise(po);
  g.card = std::make_shared<vcard::VirtualCard>(state);
  // The floor for reading the public content: every PKCS#15 directory file and certificate once.
  std::size_t content_floor = 1;  // SELECT the application
  for (auto& f : state.files) {
    if (f.is_df || f.path.size() != 6) continue;
    std::uint16_t fid = be16(f.path, 4);
    bool needed = fid == 0x5031 || fid == 0x5032 || (fid >= 0x4401 && fid <= 0x4404) || (fid >= 0x2F10 && fid < 0x2F20);
    if (needed) content_floor += file_floor(f.data.size());
  }
  const std::size_t sign_floor = 3;  // MSE, PSO (256 bytes > 244: the rest through one GET RESPONSE)

  p11::set_backend_factory(&make_bench_backend);
  CK_FUNCTION_LIST* f;
  C_GetFunctionList(&f);
  std::printf("| Flow | APDUs | Floor | Bytes on the wire | Modelled card time | Host time (virtual card) |\n");
  std::printf("|---|---|---|---|---|---|\n");

  auto t0 = std::chrono::steady_clock::now();
  auto ms = [](auto a) { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count(); };
  g.reset();
  check(f->C_Initialize(nullptr), "C_Initialize");
  CK_SLOT_ID slot;
  CK_ULONG n = 1;
  check(f->C_GetSlotList(CK_TRUE, &slot, &n), "C_GetSlotList");
  CK_TOKEN_INFO ti;
  check(f->C_GetTokenInfo(slot, &ti), "C_GetTokenInfo");
  CK_SESSION_HANDLE h;
  check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h), "C_OpenSession");
  CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
  CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
  CK_OBJECT_HANDLE objs[8];
  check(f->C_FindObjectsInit(h, &t, 1), "C_FindObjectsInit");
  check(f->C_FindObjects(h, objs, 8, &n), "C_FindObjects");
  check(f->C_FindObjectsFinal(h), "C_FindObjectsFinal");
  for (CK_ULONG i = 0; i < n; ++i) {
    CK_ATTRIBUTE v{CKA_VALUE, nullptr, 0};
    check(f->C_GetAttributeValue(h, objs[i], &v, 1), "C_GetAttributeValue");
  }
  std::size_t list_commands = g.commands;
  check(f->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("123456")), 6), "C_Login");
  cls = CKO_PRIVATE_KEY;
  CK_OBJECT_HANDLE key;
  check(f->C_FindObjectsInit(h, &t, 1), "C_FindObjectsInit");
  check(f->C_FindObjects(h, &key, 1, &n), "C_FindObjects");
  check(f->C_FindObjectsFinal(h), "C_FindObjectsFinal");
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  CK_BYTE data[] = "document", sig[512];
  CK_ULONG sig_len = sizeof sig;
  check(f->C_SignInit(h, &m, key), "C_SignInit");
  check(f->C_Sign(h, data, sizeof data, sig, &sig_len), "C_Sign");
  // Token info reads the PIN counters (2 VERIFY-status commands) — part of what applications call.
  row("load, token info, list certificates, log in, sign", content_floor + 1 + sign_floor, ms(t0));
  std::printf("|   of which: load and list certificates | %zu | %zu | | | |\n", list_commands, content_floor);

  t0 = std::chrono::steady_clock::now();
  g.reset();
  sig_len = sizeof sig;
  check(f->C_SignInit(h, &m, key), "C_SignInit");
  check(f->C_Sign(h, data, sizeof data, sig, &sig_len), "C_Sign");
  row("second signature", sign_floor, ms(t0));

  t0 = std::chrono::steady_clock::now();
  g.reset();
  CK_SESSION_HANDLE h2;
  check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h2), "C_OpenSession");
  cls = CKO_CERTIFICATE;
  check(f->C_FindObjectsInit(h2, &t, 1), "C_FindObjectsInit");
  check(f->C_FindObjects(h2, objs, 8, &n), "C_FindObjects");
  check(f->C_FindObjectsFinal(h2), "C_FindObjectsFinal");
  row("second session, search certificates again", 0, ms(t0));
  f->C_Finalize(nullptr);
  g.card.reset();  // holds Botan keys: release them before Botan's allocator goes at exit
  return 0;
}
