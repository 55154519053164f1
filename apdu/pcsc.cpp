// SPDX-License-Identifier: LGPL-2.1-or-later
// PC/SC access through pcsc-lite. pcsc-lite serialises the calls of one context: a blocking
// wait_for_change() must use a Context of its own, never the one the transports share.
#include "akis/pcsc.hpp"

#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>

#include <cstring>
#include <thread>

#include "akis/error.hpp"

namespace akis::pcsc {

namespace {

constexpr const char* kPnpReader = "\\\\?PnP?\\Notification";

[[noreturn]] void fail(LONG rc, const std::string& what) {
  Err e = Err::Pcsc;
  switch (rc) {
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED: e = Err::NoService; break;
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_NO_READERS_AVAILABLE: e = Err::NoReader; break;
    case SCARD_E_NO_SMARTCARD: e = Err::NoCard; break;
    case SCARD_W_REMOVED_CARD:
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_INVALID_HANDLE: e = Err::CardRemoved; break;
    case SCARD_W_RESET_CARD: e = Err::CardReset; break;
    case SCARD_E_SHARING_VIOLATION: e = Err::SharingViolation; break;
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD: e = Err::CardError; break;
    default: break;
  }
  throw CardError(e, what + ": " + rc_name(rc));
}

}  // namespace

std::string rc_name(long rc) {
  const char* s = pcsc_stringify_error(static_cast<LONG>(rc));
  char buf[32];
  std::snprintf(buf, sizeof buf, " (0x%08lX)", static_cast<unsigned long>(rc));
  return std::string(s ? s : "unknown") + buf;
}

Context::Context() {
  SCARDCONTEXT c = 0;
  LONG rc = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &c);
  if (rc != SCARD_S_SUCCESS) fail(rc, "SCardEstablishContext");
  ctx_ = c;
}

Context::~Context() {
  if (ctx_) SCardReleaseContext(ctx_);
}

bool Context::valid() { return SCardIsValidContext(ctx_) == SCARD_S_SUCCESS; }

std::vector<std::string> Context::readers() {
  for (int attempt = 0; attempt < 3; ++attempt) {  // the list may change between the two calls
    DWORD len = 0;
    LONG rc = SCardListReaders(ctx_, nullptr, nullptr, &len);
    if (rc == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rc != SCARD_S_SUCCESS) fail(rc, "SCardListReaders");
    std::string buf(len, '\0');
    rc = SCardListReaders(ctx_, nullptr, buf.data(), &len);
    if (rc == SCARD_E_INSUFFICIENT_BUFFER) continue;
    if (rc == SCARD_E_NO_READERS_AVAILABLE) return {};
    if (rc != SCARD_S_SUCCESS) fail(rc, "SCardListReaders");
    std::vector<std::string> out;
    for (const char* p = buf.c_str(); *p && p < buf.c_str() + len; p += std::strlen(p) + 1) out.emplace_back(p);
    return out;
  }
  throw CardError(Err::Pcsc, "SCardListReaders: reader list keeps changing");
}

namespace {
ReaderState to_state(const SCARD_READERSTATE& rs) {
  ReaderState s;
  s.name = rs.szReader;
  s.present = rs.dwEventState & SCARD_STATE_PRESENT;
  s.exclusive = rs.dwEventState & SCARD_STATE_EXCLUSIVE;
  s.mute = rs.dwEventState & SCARD_STATE_MUTE;
  s.atr.assign(rs.rgbAtr, rs.rgbAtr + std::min<DWORD>(rs.cbAtr, sizeof rs.rgbAtr));
  s.event_count = (rs.dwEventState >> 16) & 0xFFFF;
  return s;
}
}  // namespace

std::vector<ReaderState> Context::states() {
  auto names = readers();
  if (names.empty()) return {};
  std::vector<SCARD_READERSTATE> rs(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    rs[i] = {};
    rs[i].szReader = names[i].c_str();
    rs[i].dwCurrentState = SCARD_STATE_UNAWARE;
  }
  LONG rc = SCardGetStatusChange(ctx_, 0, rs.data(), static_cast<DWORD>(rs.size()));
  if (rc != SCARD_S_SUCCESS && rc != SCARD_E_TIMEOUT) fail(rc, "SCardGetStatusChange");
  std::vector<ReaderState> out;
  for (auto& r : rs)
    if (!(r.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))) out.push_back(to_state(r));
  return out;
}

bool Context::wait_for_change(const std::vector<ReaderState>& known, std::chrono::milliseconds timeout) {
  std::vector<SCARD_READERSTATE> rs(known.size() + 1);
  for (std::size_t i = 0; i < known.size(); ++i) {
    rs[i] = {};
    rs[i].szReader = known[i].name.c_str();
    DWORD st = known[i].present ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY;
    rs[i].dwCurrentState = st | (static_cast<DWORD>(known[i].event_count) << 16);
  }
  auto& pnp = rs.back();
  pnp = {};
  pnp.szReader = kPnpReader;
  pnp.dwCurrentState = static_cast<DWORD>(known.size()) << 16;  // pcsc-lite counts readers in the upper bits
  DWORD ms = timeout.count() < 0 ? INFINITE : static_cast<DWORD>(timeout.count());
  LONG rc = SCardGetStatusChange(ctx_, ms, rs.data(), static_cast<DWORD>(rs.size()));
  if (rc == SCARD_E_TIMEOUT || rc == SCARD_E_CANCELLED) return false;
  if (rc == SCARD_E_UNKNOWN_READER) return true;  // a known reader went away
  if (rc != SCARD_S_SUCCESS) fail(rc, "SCardGetStatusChange");
  for (auto& r : rs)
    if (r.dwEventState & SCARD_STATE_CHANGED) return true;
  return false;
}

void Context::cancel() { SCardCancel(ctx_); }

namespace {
// Codes of a handle whose pcscd has gone away (restarted, or stopped): the handle will never work again.
bool service_lost(LONG rc) {
  return rc == SCARD_E_NO_SERVICE || rc == SCARD_E_SERVICE_STOPPED || rc == SCARD_F_COMM_ERROR ||
         rc == SCARD_E_INVALID_HANDLE;
}
}  // namespace

PcscTransport::PcscTransport(std::shared_ptr<Context> ctx, std::string reader, ContextSource contexts)
    : ctx_(std::move(ctx)), contexts_(std::move(contexts)), reader_(std::move(reader)) {
  connect();
}

PcscTransport::~PcscTransport() {
  if (card_) SCardDisconnect(card_, SCARD_LEAVE_CARD);
}

void PcscTransport::connect() {
  SCARDHANDLE h = 0;
  DWORD proto = 0;
  LONG rc = SCardConnect(ctx_->handle(), reader_.c_str(), SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                         &h, &proto);
  if (rc == SCARD_W_REMOVED_CARD) rc = SCARD_E_NO_SMARTCARD;
  if (rc != SCARD_S_SUCCESS) fail(rc, "SCardConnect(" + reader_ + ")");
  card_ = h;
  protocol_ = proto;
  refresh_atr();
}

void PcscTransport::revive_if_service_lost(long rc) {
  if (!contexts_ || !service_lost(static_cast<LONG>(rc))) return;
  std::shared_ptr<Context> fresh = contexts_(ctx_.get());  // throws NoService while pcscd is down
  if (card_) SCardDisconnect(card_, SCARD_LEAVE_CARD);  // fails on the dead handle; frees it client-side
  card_ = 0;
  tx_depth_ = 0;  // the old transaction went with the old service
  ctx_ = std::move(fresh);
  try {
    connect();
  } catch (const CardError& e) {
    if (e.code() == Err::NoService) throw;
    throw CardError(Err::CardRemoved, std::string("after a PC/SC service restart: ") + e.what());
  }
  throw CardError(Err::CardReset, "the PC/SC service was restarted; connected to the card again");
}

Bytes PcscTransport::atr() const {
  std::lock_guard lock(mutex_);
  return atr_;
}

void PcscTransport::refresh_atr() {
  char name[512];
  DWORD name_len = sizeof name, state = 0, proto = 0, atr_len = MAX_ATR_SIZE;
  BYTE atr[MAX_ATR_SIZE];
  LONG rc = SCardStatus(card_, name, &name_len, &state, &proto, atr, &atr_len);
  if (rc != SCARD_S_SUCCESS) fail(rc, "SCardStatus");
  atr_.assign(atr, atr + atr_len);
}

Bytes PcscTransport::transmit(ByteView apdu) {
  std::lock_guard lock(mutex_);
  const SCARD_IO_REQUEST* pci = protocol_ == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
  Bytes out(65536 + 2);
  DWORD len = static_cast<DWORD>(out.size());
  LONG rc = SCardTransmit(card_, pci, apdu.data(), static_cast<DWORD>(apdu.size()), nullptr, out.data(), &len);
  if (rc == SCARD_W_RESET_CARD) {
    reconnect_locked(false);
    throw CardError(Err::CardReset, "the card was reset by another program");
  }
  revive_if_service_lost(rc);
  if (rc == SCARD_E_NO_SMARTCARD) rc = SCARD_W_REMOVED_CARD;
  if (rc != SCARD_S_SUCCESS || len < 2) {
    // A reader driver may report a lost card as a communication failure or an empty answer:
    // ask pcscd whether the card is still there before calling it anything else.
    if (card_gone()) throw CardError(Err::CardRemoved, "the card was removed during the command");
    if (rc != SCARD_S_SUCCESS) fail(rc, "SCardTransmit");
    throw CardError(Err::Malformed, "the reader returned " + std::to_string(len) + " bytes (no status word)");
  }
  out.resize(len);
  return out;
}

bool PcscTransport::card_gone() {
  // pcscd notices a removal on its next poll of the reader: give it a moment.
  for (int i = 0; i < 20; ++i) {
    char name[512];
    DWORD name_len = sizeof name, state = 0, proto = 0, atr_len = MAX_ATR_SIZE;
    BYTE atr[MAX_ATR_SIZE];
    LONG rc = SCardStatus(card_, name, &name_len, &state, &proto, atr, &atr_len);
    if (rc == SCARD_W_REMOVED_CARD || rc == SCARD_E_NO_SMARTCARD || rc == SCARD_E_READER_UNAVAILABLE ||
        rc == SCARD_E_INVALID_HANDLE)
      return true;
    if (rc == SCARD_S_SUCCESS && !(state & SCARD_PRESENT)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void PcscTransport::begin_transaction() {
  std::lock_guard lock(mutex_);
  if (tx_depth_ > 0) {  // this process already holds the card: a nested transaction
    ++tx_depth_;
    return;
  }
  LONG rc = SCardBeginTransaction(card_);
  if (rc == SCARD_W_RESET_CARD) {
    reconnect_locked(false);
    rc = SCardBeginTransaction(card_);
    if (rc == SCARD_S_SUCCESS) {
      SCardEndTransaction(card_, SCARD_LEAVE_CARD);
      throw CardError(Err::CardReset, "the card was reset by another program");
    }
  }
  revive_if_service_lost(rc);
  if (rc == SCARD_E_NO_SMARTCARD) rc = SCARD_W_REMOVED_CARD;
  if (rc != SCARD_S_SUCCESS) fail(rc, "SCardBeginTransaction");
  tx_depth_ = 1;
}

void PcscTransport::end_transaction() {
  std::lock_guard lock(mutex_);
  if (tx_depth_ == 0) return;  // lost with a service restart
  if (--tx_depth_ > 0) return;
  LONG rc = SCardEndTransaction(card_, SCARD_LEAVE_CARD);
  if (rc != SCARD_S_SUCCESS && rc != SCARD_W_RESET_CARD) fail(rc, "SCardEndTransaction");
}

void PcscTransport::reconnect(bool reset) {
  std::lock_guard lock(mutex_);
  reconnect_locked(reset);
}

void PcscTransport::reconnect_locked(bool reset) {
  DWORD proto = 0;
  LONG rc = SCardReconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                           reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD, &proto);
  revive_if_service_lost(rc);
  if (rc == SCARD_E_NO_SMARTCARD) rc = SCARD_W_REMOVED_CARD;
  if (rc != SCARD_S_SUCCESS) fail(rc, "SCardReconnect");
  protocol_ = proto;
  refresh_atr();
}

}  // namespace akis::pcsc
