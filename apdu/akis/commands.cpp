#include "akis/commands.hpp"

#include "akis/error.hpp"
#include "akis/tlv.hpp"

namespace akis {

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
}  // namespace

FileInfo parse_fci(ByteView fci) {
  FileInfo fi;
  if (fci.empty()) return fi;
  auto top = find_tlv(fci, 0x6F);
  if (!top) top = find_tlv(fci, 0x62);
  if (!top) throw CardError(Err::Malformed, "SELECT: no FCI template");
  bool have_security = false;
  for (auto& t : top->children()) {
    switch (t.tag) {
      case 0x83:
        if (t.value.size() != 2) throw CardError(Err::Malformed, "FCI: file identifier size");
        fi.fid = be16(t.value);
        break;
      case 0x80:
      case 0x81:
        if (t.value.empty() || t.value.size() > 4) throw CardError(Err::Malformed, "FCI: file size");
        fi.size = 0;
        for (auto b : t.value) fi.size = (fi.size << 8) | b;
        break;
      case 0x82:
        if (t.value.empty()) throw CardError(Err::Malformed, "FCI: empty descriptor");
        fi.is_df = (t.value[0] & 0x38) == 0x38;
        break;
      case 0x84: fi.df_name = t.bytes(); break;
      case 0x90:
        if (t.value.size() != 1) throw CardError(Err::Malformed, "FCI: security byte size");
        fi.security = t.value[0];
        have_security = true;
        break;
      default: break;
    }
  }
  if (!have_security) throw CardError(Err::Malformed, "FCI: security attributes (tag 90) missing");
  return fi;
}

FileInfo AkisCommands::select(std::uint8_t p1, ByteView data, const char* what) {
  Command c = make(0x00, 0xA4, p1, 0x00);
  c.data.assign(data.begin(), data.end());
  c.le = 256;
  return parse_fci(ch_.transmit_ok(c, what));
}

FileInfo AkisCommands::select_df(std::uint16_t fid) {
  std::uint8_t d[2] = {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
  return select(0x00, d, "SELECT DF");
}

FileInfo AkisCommands::select_ef(std::uint16_t fid) {
  std::uint8_t d[2] = {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
  return select(0x02, d, "SELECT EF");
}

FileInfo AkisCommands::select_path(ByteView path) {
  if (path.size() >= 2 && path[0] == 0x3F && path[1] == 0x00) path = path.subspan(2);
  if (path.empty()) return select_df(0x3F00);
  if (path.size() % 2) throw CardError(Err::InvalidArgument, "SELECT: odd path length");
  return select(0x08, path, "SELECT PATH");
}

FileInfo AkisCommands::select_name(ByteView df_name) { return select(0x04, df_name, "SELECT NAME"); }

Bytes AkisCommands::read_binary(std::size_t offset, std::size_t len) {
  Bytes out;
  out.reserve(len);
  while (out.size() < len) {
    std::size_t at = offset + out.size();
    if (at > 0x7FFF) throw CardError(Err::InvalidArgument, "READ BINARY: offset beyond 32767");
    std::size_t chunk = std::min(len - out.size(), ch_.max_recv());
    Command c = make(0x00, 0xB0, static_cast<std::uint8_t>(at >> 8), static_cast<std::uint8_t>(at));
    c.le = chunk;
    Response r = ch_.transmit(c);
    if (r.sw != 0x9000 && r.sw != 0x6282) check_sw(r.sw, "READ BINARY");
    if (r.data.size() > chunk) throw CardError(Err::Malformed, "READ BINARY: more data than asked");
    append(out, r.data);
    if (r.data.size() < chunk) break;  // end of file
  }
  return out;
}

void AkisCommands::update_binary(std::size_t offset, ByteView data) {
  std::size_t done = 0;
  while (done < data.size()) {
    std::size_t at = offset + done;
    if (at > 0x7FFF) throw CardError(Err::InvalidArgument, "UPDATE BINARY: offset beyond 32767");
    std::size_t chunk = std::min(data.size() - done, Channel::kMaxData);
    Command c = make(0x00, 0xD6, static_cast<std::uint8_t>(at >> 8), static_cast<std::uint8_t>(at));
    c.data.assign(data.begin() + static_cast<std::ptrdiff_t>(done),
                  data.begin() + static_cast<std::ptrdiff_t>(done + chunk));
    ch_.transmit_ok(c, "UPDATE BINARY");
    done += chunk;
  }
}

void AkisCommands::verify(std::uint8_t ref, const Secret& pin) {
  if (pin.empty()) throw CardError(Err::InvalidArgument, "VERIFY: empty PIN");
  Command c = make(0x00, 0x20, 0x00, ref);
  c.data.assign(pin.bytes().begin(), pin.bytes().end());
  c.sensitive = true;
  ch_.transmit_ok(c, "VERIFY");
}

PinStatus AkisCommands::pin_status(std::uint8_t ref) {
  Response r = ch_.transmit(make(0x00, 0x20, 0x00, ref));
  PinStatus st;
  if (r.sw == 0x9000) {
    st.verified = true;
  } else if ((r.sw & 0xFFF0) == 0x63C0) {
    st.tries_left = r.sw & 0x0F;
    st.blocked = st.tries_left == 0;
  } else if (r.sw == 0x6983) {
    st.blocked = true;
    st.tries_left = 0;
  } else {
    check_sw(r.sw, "VERIFY (status)");
  }
  return st;
}

void AkisCommands::change_pin(std::uint8_t ref, const Secret& old_pin, const Secret& new_pin) {
  // OpenSC's AKİS driver: a local reference (b8 set) goes as P1=02 P2=ref&7F, a global one as P1=01 P2=ref.
  Command c = (ref & 0x80) ? make(0x00, 0x24, 0x02, ref & 0x7F) : make(0x00, 0x24, 0x01, ref);
  append_lv(c.data, old_pin);
  append_lv(c.data, new_pin);
  c.sensitive = true;
  ch_.transmit_ok(c, "CHANGE REFERENCE DATA");
}

void AkisCommands::unblock_with_puk(std::uint8_t ref, const Secret& puk, const Secret& new_pin) {
  Command c = make(0x00, 0x2C, 0x00, ref);
  append_lv(c.data, puk);
  append_lv(c.data, new_pin);
  c.sensitive = true;
  ch_.transmit_ok(c, "RESET RETRY COUNTER");
}

void AkisCommands::unblock_authorised(std::uint8_t ref, const Secret& new_pin) {
  Command c = make(0x00, 0x2C, 0x02, ref);
  c.data.assign(new_pin.bytes().begin(), new_pin.bytes().end());
  c.sensitive = true;
  ch_.transmit_ok(c, "RESET RETRY COUNTER");
}

void AkisCommands::select_key(std::uint8_t key_ref) {
  ch_.transmit_ok(make(0x00, 0x22, 0xC3, key_ref), "MANAGE SECURITY ENVIRONMENT");
}

Bytes AkisCommands::compute_signature(ByteView input) {
  Command c = make(0x00, 0x2A, 0x9E, 0x9A);
  c.data.assign(input.begin(), input.end());
  c.le = 256;
  return ch_.transmit_ok(c, "PSO COMPUTE DIGITAL SIGNATURE");
}

Bytes AkisCommands::decipher(ByteView cryptogram) {
  Command c = make(0x00, 0x2A, 0x80, 0x86);
  c.data.reserve(cryptogram.size() + 1);
  c.data.push_back(0x00);  // padding indicator: no further indication (ISO 7816-8)
  append(c.data, cryptogram);
  c.le = 256;
  c.sensitive_response = true;
  return ch_.transmit_ok(c, "PSO DECIPHER");
}

Bytes AkisCommands::get_challenge(std::size_t len) {
  if (len == 0 || len > 256) throw CardError(Err::InvalidArgument, "GET CHALLENGE: length");
  Command c = make(0x00, 0x84, 0x00, 0x00);
  c.le = len;
  Bytes r = ch_.transmit_ok(c, "GET CHALLENGE");
  if (r.size() != len) throw CardError(Err::Malformed, "GET CHALLENGE: wrong length");
  return r;
}

void AkisCommands::external_authenticate(std::uint8_t key_ref, ByteView cryptogram) {
  Command c = make(0x00, 0x82, 0x00, key_ref);
  c.data.assign(cryptogram.begin(), cryptogram.end());
  ch_.transmit_ok(c, "EXTERNAL AUTHENTICATE");
}

Bytes AkisCommands::serial_number() {
  Command c = make(0x00, 0xCA, 0x01, 0x06);
  c.le = 0x4D;
  Bytes r = ch_.transmit_ok(c, "GET DATA (serial)");
  if (r.size() < 55 + 12) throw CardError(Err::Malformed, "GET DATA: serial record too short");
  return Bytes(r.begin() + 55, r.begin() + 67);
}

LifeCycle AkisCommands::life_cycle() {
  Command c = make(0x00, 0xCA, 0x01, 0x04);
  c.le = 10;
  Bytes r = ch_.transmit_ok(c, "GET DATA (memory)");
  if (r.size() < 7) throw CardError(Err::Malformed, "GET DATA: memory record too short");
  return r[6] == 0xA0 ? LifeCycle::Admin : r[6] == 0xA5 ? LifeCycle::User : LifeCycle::Other;
}

std::vector<ListedFile> AkisCommands::list_files() {
  Command c = make(0x80, 0x18, 0x00, 0x00);
  c.le = 256;
  Bytes r = ch_.transmit_ok(c, "LIST FILES");
  if (r.size() % 20) throw CardError(Err::Malformed, "LIST FILES: not a whole number of 20-byte records");
  std::vector<ListedFile> out;
  for (std::size_t i = 0; i < r.size(); i += 20) {
    if (r[i] != 0x2F && r[i] != 0x3D) throw CardError(Err::Malformed, "LIST FILES: unknown record type");
    out.push_back({be16(r, i + 1), r[i] == 0x3D});
  }
  return out;
}

void AkisCommands::logout() { ch_.transmit_ok(make(0x80, 0x1A, 0x00, 0x00), "LOGOUT"); }

void AkisCommands::create_ef(std::uint16_t fid) {
  // P1 80: transparent EF; P2: access byte B0 as OpenSC's driver sent it (its meaning is not public).
  Command c = make(0x80, 0x15, 0x80, 0xB0);
  c.data = {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
  ch_.transmit_ok(c, "CREATE EF");
  select_ef(fid);
}

void AkisCommands::delete_ef(std::uint16_t fid) {
  Command c = make(0x80, 0x16, 0x02, 0x00);
  c.data = {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
  ch_.transmit_ok(c, "DELETE FILE");
}

}  // namespace akis
