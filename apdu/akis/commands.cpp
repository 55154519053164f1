// SPDX-License-Identifier: LGPL-2.1-or-later
// The card's commands (docs/card-protocol.md has one row per command with its source). ISO commands go to
// every card; proprietary ones only where the family row (apdu/akis/families.cpp) allows them.
#include "akis/commands.hpp"

#include <cstdio>

#include "akis/error.hpp"
#include "akis/tlv.hpp"
#include "akis/trace.hpp"

namespace akis {

const Bytes kPkcs15DfName = {'P', 'K', 'C', 'S', '-', '1', '5'};
const Bytes kPkcs15Aid = {0xA0, 0x00, 0x00, 0x00, 0x63, 'P', 'K', 'C', 'S', '-', '1', '5'};

namespace {
Command make(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2) {
  Command c;
  c.cla = cla;
  c.ins = ins;
  c.p1 = p1;
  c.p2 = p2;
  return c;
}

void append_lv(Bytes& to, const Secret& s) {
  if (s.size() > 255) throw CardError(Err::InvalidArgument, "secret too long");
  to.push_back(static_cast<std::uint8_t>(s.size()));
  append(to, s.bytes());
}

Bytes fid_bytes(std::uint16_t fid) { return {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)}; }
}  // namespace

FileInfo parse_fci(ByteView fci) {
  FileInfo fi;
  if (fci.empty()) return fi;
  auto top = find_tlv(fci, 0x6F);
  if (!top) top = find_tlv(fci, 0x62);
  if (!top) throw CardError(Err::Malformed, "SELECT: no FCI template");
  for (auto& t : top->children()) {
    switch (t.tag) {
      case 0x83:
        if (t.value.size() != 2) throw CardError(Err::Malformed, "FCI: file identifier size");
        fi.fid = be16(t.value);
        break;
      case 0x80:
      case 0x81: {
        if (t.value.empty() || t.value.size() > 4) throw CardError(Err::Malformed, "FCI: file size");
        std::uint64_t size = 0;
        for (auto b : t.value) size = (size << 8) | b;
        // READ BINARY cannot name an offset past 7FFF: a larger size is never reserved nor read.
        if (fi.has_size && t.tag == 0x81) break;  // 80 (data bytes) wins over 81 (with structural information)
        fi.size = static_cast<std::size_t>(std::min<std::uint64_t>(size, kMaxFileOffset + 1));
        fi.has_size = true;
        break;
      }
      case 0x82:
        if (t.value.empty()) throw CardError(Err::Malformed, "FCI: empty descriptor");
        fi.is_df = (t.value[0] & 0x38) == 0x38;
        fi.records = !fi.is_df && (t.value[0] & 0x07) >= 0x02;  // 01 transparent; 02..07 record structures
        break;
      case 0x84: fi.df_name = t.bytes(); break;
      case 0x88:  // one byte, SFI in b8-b4 and b3-b1 = 000; empty: no SFI. Any other form: taken as none
        if (t.value.size() == 1 && (t.value[0] & 0x07) == 0 && (t.value[0] >> 3) >= 1 && (t.value[0] >> 3) <= 30)
          fi.sfi = static_cast<std::uint8_t>(t.value[0] >> 3);
        break;
      case 0x90:
        if (t.value.size() != 1) throw CardError(Err::Malformed, "FCI: security byte size");
        fi.security = t.value[0];
        fi.has_security = true;
        break;
      default: break;
    }
  }
  if (fi.is_df) fi.has_size = false, fi.size = 0;
  return fi;
}

AkisCommands::AkisCommands(Channel& ch) : ch_(ch), family_(&family_of_atr(ch.transport().atr())) {}

void AkisCommands::require(bool allowed, const char* what) const {
  if (!allowed)
    throw CardError(Err::NotSupported, std::string(what) + ": not sent to a card of family \"" + family_->name +
                                           "\" (not in the AKIS command table)");
}

Response AkisCommands::send(const Command& c, const char* what, PinCmd kind) {
  const bool is_verify = kind == PinCmd::Verify;
  if (needs_sm_ && family_->may_need_secure_messaging)
    throw CardError(Err::SecureMessagingRequired, std::string(what) + ": " + to_string(Err::SecureMessagingRequired));
  Response r = ch_.transmit(c);
  if (family_->may_need_secure_messaging &&
      (r.sw == 0x6987 || r.sw == 0x6988 || (is_verify && r.sw == 0x6982))) {
    needs_sm_ = true;
    char buf[48];
    std::snprintf(buf, sizeof buf, " (SW %04X)", r.sw);
    throw CardError(Err::SecureMessagingRequired,
                    std::string(what) + ": " + to_string(Err::SecureMessagingRequired) + buf, r.sw);
  }
  return r;
}

Bytes AkisCommands::send_ok(const Command& c, const char* what, PinCmd kind) {
  Response r = send(c, what, kind);
  if (kind != PinCmd::No) check_pin_sw(r.sw, what);
  check_sw(r.sw, what);
  return std::move(r.data);
}

void AkisCommands::check_pin_sw(std::uint16_t sw, const char* what) {
  // ISO 7816-4 answers to a PIN command besides 63 Cx / 69 83: 63 00 "verification failed" without a counter,
  // 69 84 "reference data not usable" (blocked). Elsewhere 63 00 is a failed authentication and 69 84 bad data.
  char buf[128];
  if (sw == 0x6300) {
    std::snprintf(buf, sizeof buf, "%s: %s (SW 6300, tries left not given)", what, to_string(Err::WrongPin));
    throw CardError(Err::WrongPin, buf, sw, -1);
  }
  if (sw == 0x6984) {
    std::snprintf(buf, sizeof buf, "%s: %s (SW 6984)", what, to_string(Err::PinBlocked));
    throw CardError(Err::PinBlocked, buf, sw, 0);
  }
}

FileInfo AkisCommands::select(std::uint8_t p1, ByteView data, const char* what) {
  Command c = make(0x00, 0xA4, p1, 0x00);
  c.data.assign(data.begin(), data.end());
  c.le = 256;
  if (p1 != 0x02) in_app_ = false;  // selecting an EF keeps the current DF; anything else may move it
  return parse_fci(send_ok(c, what));
}

FileInfo AkisCommands::select_df(std::uint16_t fid) { return select(0x00, fid_bytes(fid), "SELECT DF"); }
FileInfo AkisCommands::select_ef(std::uint16_t fid) { return select(0x02, fid_bytes(fid), "SELECT EF"); }
FileInfo AkisCommands::select_name(ByteView df_name) { return select(0x04, df_name, "SELECT NAME"); }

FileInfo AkisCommands::select_path_as(ByteView rest, bool with_mf) {
  Bytes data;
  if (with_mf) data = {0x3F, 0x00};
  append(data, rest);
  return select(0x08, data, "SELECT PATH");
}

FileInfo AkisCommands::select_path(ByteView path) {
  if (path.size() >= 2 && path[0] == 0x3F && path[1] == 0x00) path = path.subspan(2);
  if (path.empty()) return select_df(0x3F00);
  if (path.size() % 2) throw CardError(Err::InvalidArgument, "SELECT: odd path length");
  bool first = path_with_mf_.value_or(family_->path_with_mf_first);
  try {
    FileInfo fi = select_path_as(path, first);
    path_with_mf_ = first;
    return fi;
  } catch (const CardError& e) {
    // Learnt once: a card that took one form keeps it; only an unknown card gets the other form tried.
    if (path_with_mf_ || (e.code() != Err::FileNotFound && e.code() != Err::WrongParameters &&
                          e.code() != Err::WrongData))
      throw;
  }
  FileInfo fi = select_path_as(path, !first);
  path_with_mf_ = !first;
  return fi;
}

Bytes AkisCommands::read_binary(std::size_t offset, std::size_t len) { return read(offset, len, false); }

Bytes AkisCommands::read(std::size_t offset, std::size_t len, bool to_end) {
  if (len > kMaxFileOffset + 1) len = kMaxFileOffset + 1;  // never reserve what READ BINARY cannot reach
  Bytes out;
  out.reserve(std::min<std::size_t>(len, 4096));
  if (!read_le_) read_le_ = ch_.max_recv();
  std::size_t short_answer = 0;  // size of the last answer shorter than asked (0: none)
  while (out.size() < len) {
    std::size_t at = offset + out.size();
    if (at > kMaxFileOffset) {
      if (out.empty()) throw CardError(Err::InvalidArgument, "READ BINARY: offset beyond 32767");
      break;  // all that READ BINARY can reach has been read
    }
    std::size_t chunk = std::min(len - out.size(), read_le_);
    Command c = make(0x00, 0xB0, static_cast<std::uint8_t>(at >> 8), static_cast<std::uint8_t>(at));
    c.le = chunk;
    Response r = send(c, "READ BINARY");
    if (r.sw != 0x9000 && r.sw != 0x6282) {
      // After a short answer, an error at the next offset is the card's way of saying "end of file".
      if (short_answer) break;
      // Offset past the end: 6B 00, 6A 86, or 6C 00 ("0 bytes left", still there after the channel's re-send).
      if ((to_end || !out.empty()) && (r.sw == 0x6B00 || r.sw == 0x6A86 || r.sw1() == 0x6C)) break;
      if (r.sw == 0x6700 && chunk > 1) {          // this Le is refused: ask for less from now on
        read_le_ = chunk > 0x80 ? 0x80 : chunk / 2;
        trace::note("READ BINARY: Le " + std::to_string(chunk) + " refused (67 00); Le " +
                    std::to_string(read_le_) + " from now on");
        continue;
      }
      check_sw(r.sw, "READ BINARY");
    }
    if (r.data.size() > chunk) throw CardError(Err::Malformed, "READ BINARY: more data than asked");
    append(out, r.data);
    if (r.sw == 0x6282 || r.data.empty()) break;  // end of file
    // More data after a short answer: the card caps its answers; ask for that much from now on.
    if (short_answer && short_answer < read_le_) read_le_ = short_answer;
    // A short answer is the end of the file or a card answering less than asked: the next read tells.
    short_answer = r.data.size() < chunk ? r.data.size() : 0;
  }
  return out;
}

Bytes AkisCommands::read_file(const FileInfo& fi) {
  if (fi.has_size) return read_binary(0, fi.size);
  return read(0, kMaxFileOffset + 1, true);  // no size: until 62 82 / 6B 00 / no data
}

Bytes AkisCommands::read_short_ef(std::uint8_t sfi, std::size_t len) {
  if (sfi < 1 || sfi > 30) throw CardError(Err::InvalidArgument, "READ BINARY: short EF identifier out of range");
  len = std::min(len, kMaxFileOffset + 1);
  if (!read_le_) read_le_ = ch_.max_recv();
  Bytes out;
  while (out.size() < len) {
    const std::size_t at = out.size(), chunk = std::min(len - at, read_le_);
    Command c = at == 0 ? make(0x00, 0xB0, static_cast<std::uint8_t>(0x80 | sfi), 0x00)
                        : make(0x00, 0xB0, static_cast<std::uint8_t>(at >> 8), static_cast<std::uint8_t>(at));
    c.le = chunk;
    Response r = send(c, at == 0 ? "READ BINARY (short EF identifier)" : "READ BINARY");
    if (r.sw != 0x9000 && r.sw != 0x6282) {
      if (at && (r.sw == 0x6B00 || r.sw == 0x6A86 || r.sw1() == 0x6C)) break;  // offset past the end
      if (r.sw == 0x6700 && chunk > 1) {
        read_le_ = chunk > 0x80 ? 0x80 : chunk / 2;
        continue;
      }
      check_sw(r.sw, "READ BINARY (short EF identifier)");
    }
    if (r.data.size() > chunk) throw CardError(Err::Malformed, "READ BINARY: more data than asked");
    append(out, r.data);
    if (r.sw == 0x6282 || r.data.size() < chunk) break;
  }
  return out;
}

Bytes AkisCommands::read_records() {
  Bytes out;
  for (unsigned n = 1; n <= 254; ++n) {
    Command c = make(0x00, 0xB2, static_cast<std::uint8_t>(n), 0x04);
    c.le = 256;
    Response r = send(c, "READ RECORD");
    if (r.sw == 0x6A83 || (r.sw == 0x6282 && r.data.empty())) break;  // no more records
    check_sw(r.sw, "READ RECORD");
    append(out, r.data);
    if (out.size() > kMaxFileOffset) break;
  }
  return out;
}

void AkisCommands::update_binary(std::size_t offset, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    std::size_t at = offset + done;
    if (at > kMaxFileOffset) throw CardError(Err::InvalidArgument, "UPDATE BINARY: offset beyond 32767");
    std::size_t chunk = std::min(data.size() - done, Channel::kMaxData);
    Command c = make(0x00, 0xD6, static_cast<std::uint8_t>(at >> 8), static_cast<std::uint8_t>(at));
    c.data.assign(data.begin() + static_cast<std::ptrdiff_t>(done),
                  data.begin() + static_cast<std::ptrdiff_t>(done + chunk));
    send_ok(c, "UPDATE BINARY");
    done += chunk;
  }
}

void AkisCommands::verify(std::uint8_t ref, const Secret& pin) {
  if (pin.empty()) throw CardError(Err::InvalidArgument, "VERIFY: empty PIN");
  Command c = make(0x00, 0x20, 0x00, ref);
  c.data.assign(pin.bytes().begin(), pin.bytes().end());
  c.sensitive = true;
  send_ok(c, "VERIFY", PinCmd::Verify);
}

PinStatus AkisCommands::pin_status(std::uint8_t ref) {
  PinStatus st;
  if (!family_->pin_probe_read_only) {
    st.unknown = true;  // not known to leave the counter alone on this family: not sent
    return st;
  }
  Response r = send(make(0x00, 0x20, 0x00, ref), "VERIFY (status)", PinCmd::Verify);
  if (r.sw == 0x9000) {
    st.verified = true;
  } else if ((r.sw & 0xFFF0) == 0x63C0) {
    st.tries_left = r.sw & 0x0F;
    st.blocked = st.tries_left == 0;
  } else if (r.sw == 0x6983 || r.sw == 0x6984) {
    st.blocked = true;
    st.tries_left = 0;
  } else {
    Err e = err_from_sw(r.sw);
    if (e == Err::ReferenceNotFound || e == Err::SecurityStatus) check_sw(r.sw, "VERIFY (status)");
    st.unknown = true;  // the card does not do the status form (67 00, 6A 86, 6D 00, ...)
  }
  return st;
}

void AkisCommands::change_pin(std::uint8_t ref, const Secret& old_pin, const Secret& new_pin) {
  // OpenSC's AKİS driver: a local reference (b8 set) goes as P1=02 P2=ref&7F, a global one as P1=01 P2=ref.
  Command c = (ref & 0x80) ? make(0x00, 0x24, 0x02, ref & 0x7F) : make(0x00, 0x24, 0x01, ref);
  append_lv(c.data, old_pin);
  append_lv(c.data, new_pin);
  c.sensitive = true;
  send_ok(c, "CHANGE REFERENCE DATA", PinCmd::Verify);
}

void AkisCommands::unblock_authorised(std::uint8_t ref, const Secret& new_pin) {
  Command c = make(0x00, 0x2C, 0x02, ref);
  c.data.assign(new_pin.bytes().begin(), new_pin.bytes().end());
  c.sensitive = true;
  send_ok(c, "RESET RETRY COUNTER", PinCmd::Reset);
}

void AkisCommands::select_key(std::uint8_t key_ref) {
  send_ok(make(0x00, 0x22, 0xC3, key_ref), "MANAGE SECURITY ENVIRONMENT");
}

Bytes AkisCommands::compute_signature(ByteView input) {
  Command c = make(0x00, 0x2A, 0x9E, 0x9A);
  c.data.assign(input.begin(), input.end());
  c.le = 256;
  return send_ok(c, "PSO COMPUTE DIGITAL SIGNATURE");
}

Bytes AkisCommands::decipher(ByteView cryptogram) {
  Command c = make(0x00, 0x2A, 0x80, 0x86);
  c.data.reserve(cryptogram.size() + 1);
  c.data.push_back(0x00);  // padding indicator: no further indication (ISO 7816-8)
  append(c.data, cryptogram);
  c.le = 256;
  c.sensitive_response = true;
  return send_ok(c, "PSO DECIPHER");
}

Bytes AkisCommands::get_challenge(std::size_t len) {
  if (len == 0 || len > 256) throw CardError(Err::InvalidArgument, "GET CHALLENGE: length");
  Command c = make(0x00, 0x84, 0x00, 0x00);
  c.le = len;
  Bytes r = send_ok(c, "GET CHALLENGE");
  if (r.size() != len) throw CardError(Err::Malformed, "GET CHALLENGE: wrong length");
  return r;
}

void AkisCommands::external_authenticate(std::uint8_t key_ref, ByteView cryptogram) {
  Command c = make(0x00, 0x82, 0x00, key_ref);
  c.data.assign(cryptogram.begin(), cryptogram.end());
  send_ok(c, "EXTERNAL AUTHENTICATE");
}

Bytes AkisCommands::serial_number() {
  require(family_->get_data_serial, "GET DATA (serial)");
  Command c = make(0x00, 0xCA, 0x01, 0x06);
  c.le = 0x4D;
  Bytes r = send_ok(c, "GET DATA (serial)");
  if (r.size() < 55 + 12) throw CardError(Err::Malformed, "GET DATA: serial record too short");
  return Bytes(r.begin() + 55, r.begin() + 67);
}

LifeCycle AkisCommands::life_cycle() {
  require(family_->get_data_life_cycle, "GET DATA (memory)");
  Command c = make(0x00, 0xCA, 0x01, 0x04);
  c.le = 10;
  Bytes r = send_ok(c, "GET DATA (memory)");
  if (r.size() < 7) throw CardError(Err::Malformed, "GET DATA: memory record too short");
  return r[6] == 0xA0 ? LifeCycle::Admin : r[6] == 0xA5 ? LifeCycle::User : LifeCycle::Other;
}

std::vector<ListedFile> AkisCommands::list_files() {
  require(family_->akis && family_->list_files, "LIST FILES");
  Command c = make(0x80, 0x18, 0x00, 0x00);
  c.le = 256;
  Bytes r = send_ok(c, "LIST FILES");
  if (r.size() % 20) throw CardError(Err::Malformed, "LIST FILES: not a whole number of 20-byte records");
  std::vector<ListedFile> out;
  for (std::size_t i = 0; i < r.size(); i += 20) {
    if (r[i] != 0x2F && r[i] != 0x3D) throw CardError(Err::Malformed, "LIST FILES: unknown record type");
    out.push_back({be16(r, i + 1), r[i] == 0x3D});
  }
  return out;
}

bool AkisCommands::logout() {
  if (!family_->akis || !family_->logout) return false;
  try {
    send_ok(make(0x80, 0x1A, 0x00, 0x00), "LOGOUT");
  } catch (const CardError& e) {
    if (e.code() != Err::NotSupported) throw;
    trace::note("LOGOUT refused (6D 00 / 6E 00): the card keeps its security state until a reset");
    return false;
  }
  return true;
}

void AkisCommands::create_ef(std::uint16_t fid) {
  require(family_->akis && family_->create_delete, "CREATE EF");
  // P1 80: transparent EF; P2: access byte B0 as OpenSC's driver sent it (its meaning is not public).
  Command c = make(0x80, 0x15, 0x80, 0xB0);
  c.data = fid_bytes(fid);
  send_ok(c, "CREATE EF");
  select_ef(fid);
}

void AkisCommands::delete_ef(std::uint16_t fid) {
  require(family_->akis && family_->create_delete, "DELETE FILE");
  Command c = make(0x80, 0x16, 0x02, 0x00);
  c.data = fid_bytes(fid);
  send_ok(c, "DELETE FILE");
}

}  // namespace akis
