// SPDX-License-Identifier: LGPL-2.1-or-later
#include "seeds.hpp"

#include <algorithm>
#include <stdexcept>

#include "akis/profile.hpp"
#include "akis/tlv.hpp"

namespace akis::fuzz {

namespace {

FakeCard::File& file_ending(FakeCard& f, std::uint16_t fid) {
  for (auto& file : f.files)
    if (file.path.size() >= 2 && be16(file.path, file.path.size() - 2) == fid) return file;
  throw std::runtime_error("seed: no file " + std::to_string(fid));
}

FakeCard::File& file_at(FakeCard& f, const Bytes& path) {
  for (auto& file : f.files)
    if (file.path.size() >= path.size() && std::equal(path.begin(), path.end(), file.path.end() - static_cast<std::ptrdiff_t>(path.size())))
      return file;
  throw std::runtime_error("seed: no file " + to_hex(path));
}

// The FCI with its size tag (80/81) replaced by `size`.
Bytes with_size(ByteView fci, const Bytes& size) {
  std::size_t used = 0;
  Tlv top = parse_tlv(fci, used);
  Bytes body = encode_tlv(0x80, size);
  for (auto& c : top.children())
    if (c.tag != 0x80 && c.tag != 0x81) append(body, c.whole);
  return encode_tlv(top.tag, body);
}

// The TLVs of `der` with every INTEGER equal to `from` replaced by `to`, lengths re-encoded.
Bytes with_integer(ByteView der, const Bytes& from, const Bytes& to) {
  Bytes out;
  for (auto& t : parse_tlvs(der)) {
    if (t.constructed) append(out, encode_tlv(t.tag, with_integer(t.value, from, to)));
    else if (t.tag == 0x02 && t.bytes() == from) append(out, encode_tlv(0x02, to));
    else append(out, t.whole);
  }
  return out;
}

Bytes size_of(std::size_t n) { return {static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)}; }

// The certificate with the RSA modulus in its SubjectPublicKeyInfo replaced by 0.
Bytes modulus_zero(ByteView der) {
  std::size_t used = 0;
  Tlv cert = parse_tlv(der, used);
  auto parts = cert.children();
  auto tbs = parts.at(0).children();
  Bytes new_tbs;
  for (auto& t : tbs) {
    auto kids = t.constructed ? t.children() : std::vector<Tlv>{};
    if (t.tag == 0x30 && kids.size() == 2 && kids[0].tag == 0x30 && kids[1].tag == 0x03) {
      Tlv rsa = parse_tlv(kids[1].value.subspan(1), used);
      auto ne = rsa.children();
      Bytes key = encode_tlv(0x02, Bytes{0x00});
      append(key, ne.at(1).whole);
      Bytes bits{0x00};
      append(bits, encode_tlv(0x30, key));
      Bytes spki(kids[0].whole.begin(), kids[0].whole.end());
      append(spki, encode_tlv(0x03, bits));
      append(new_tbs, encode_tlv(0x30, spki));
    } else {
      append(new_tbs, t.whole);
    }
  }
  Bytes body = encode_tlv(0x30, new_tbs);
  for (std::size_t i = 1; i < parts.size(); ++i) append(body, parts[i].whole);
  return encode_tlv(0x30, body);
}

Bytes http(const std::string& method, const std::string& path, const std::string& body,
           const std::string& extra_headers = "") {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty() || method == "POST")
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  r += "\r\n" + body;
  return to_bytes(r);
}

}  // namespace

void write_bug_seeds(const vcard::CardState&, const FakeCard& fake, const Writer& write) {
  // (1) A hostile FCI size: READ BINARY of the ODF must not reserve 4 GiB.
  {
    FakeCard f = fake;
    auto& odf = file_ending(f, 0x5031);
    odf.fci = with_size(odf.fci, Bytes{0xFF, 0xFF, 0xFF, 0xFF});
    write("card", "bug-fci-size-4g", f.serialise());
    write("fci", "bug-fci-size-4g", odf.fci);
    Bytes answer = odf.fci;
    append(answer, Bytes{0x90, 0x00});
    Bytes channel{0x00, 0x01, 17, static_cast<std::uint8_t>(answer.size() >> 8),
                  static_cast<std::uint8_t>(answer.size())};
    append(channel, answer);
    write("channel", "bug-fci-size-4g", channel);
  }
  // (2) An RSA certificate with a modulus of 0 for a deciphering key, and a bare 90 00 to PSO DECIPHER.
  {
    FakeCard f = fake;
    OdfEntries odf = parse_odf(file_ending(f, 0x5031).content);
    Bytes id;
    for (auto& k : parse_prkdf(file_at(f, odf.prkdf.at(0)).content))
      if (k.usage & key_usage::kDecrypt) id = k.id;
    for (auto& c : parse_cdf(file_at(f, odf.cdf.at(0)).content))
      if (c.id == id) file_at(f, c.path).content = modulus_zero(file_at(f, c.path).content);
    f.answers[{0x2A, 0x80, 0x86}] = {Bytes{0x90, 0x00}};
    write("card", "bug-rsa-modulus-0", f.serialise());
  }
  // (4) A PrKDF modulusLength of 2^40 bits: signing left-padded the card's answer to 128 GiB.
  {
    FakeCard f = fake;
    OdfEntries odf = parse_odf(file_ending(f, 0x5031).content);
    auto& prkdf = file_at(f, odf.prkdf.at(0));
    prkdf.content = with_integer(prkdf.content, Bytes{0x08, 0x00}, Bytes{0x01, 0x00, 0x00, 0x00, 0x00, 0x00});
    prkdf.fci = with_size(prkdf.fci, size_of(prkdf.content.size()));
    write("card", "bug-modulus-length-2e40", f.serialise());
    write("prkdf", "bug-modulus-length-2e40", prkdf.content);
  }
  // (3) A certificate label that is not UTF-8 (`akis info --json`).
  {
    FakeCard f = fake;
    OdfEntries odf = parse_odf(file_ending(f, 0x5031).content);
    auto& cdf = file_at(f, odf.cdf.at(0));
    Bytes label = to_bytes(parse_cdf(cdf.content).at(0).label);
    auto at = std::search(cdf.content.begin(), cdf.content.end(), label.begin(), label.end());
    if (label.size() < 2 || at == cdf.content.end()) throw std::runtime_error("seed: no label in the CDF");
    at[0] = 0xFF;
    at[1] = 0xC3;
    write("card", "bug-label-not-utf8", f.serialise());
    write("cdf", "bug-label-not-utf8", cdf.content);
  }
}

void write_hand_seeds(const Writer& write) {
  write("config", "all-keys", to_bytes("# AKIS module\nlog_level = debug\nlog_file = /tmp/akis.log\n"
                                       "apdu_trace=stderr  # trace\r\n\n = no key\nlog_level=\n"));
  write("config", "odd", to_bytes("==\n#=\n\t\tkey\t=\tvalue\t\r\nno equals sign\n"));
  write("tlv", "long-forms", from_hex("5F2082000101" "7F4983000003010203" "9F7F0100" "3000" "0000FFFF"));
  write("tlv", "nested", from_hex("300C3003020101A1053003040101"));
  write("fci", "no-security-byte", from_hex("6F0A8302503180020100820101"));
  write("fci", "fcp", from_hex("620E8302503180020100820101900100"));
  // A state file whose PIN counter is a number no int holds (from_json converted it: undefined behaviour).
  write("vcard_state", "bug-float-counter.json",
        to_bytes("{\"format\":1,\"family\":\"2x\",\"atr\":\"3B00\",\"serial\":\"0102\",\"life_cycle\":165,"
                 "\"files\":[],\"keys\":[],\"auth_keys\":[],\"pins\":[{\"ref\":129,\"df\":\"3F00\",\"value\":"
                 "\"313233343536\",\"tries_left\":1e300,\"max_tries\":3,\"min_len\":6,\"max_len\":12}]}"));

  const std::string serial = "0102030405060708090A0B0C", code = "123456789012345";
  const std::string session = "Cookie: akis_session=" + std::string(64, 'a') + "\r\n";
  const std::string known = "Cookie: akis_session=5e55105e55105e55105e55105e55105e55105e55105e55105e55105e55105e55\r\n";
  write("unlockd", "check", http("POST", "/api/v1/unlock/check", "{\"code\":\"" + code + "\"}"));
  write("unlockd", "check-bad-code", http("POST", "/api/v1/unlock/check", "{\"code\":\"12345\"}"));
  write("unlockd", "authorize", http("POST", "/api/v1/unlock/authorize",
                                     "{\"code\":\"" + code + "\",\"serial\":\"" + serial +
                                         "\",\"challenge\":\"0011223344556677\"}"));
  write("unlockd", "authorize-revoked", http("POST", "/api/v1/unlock/authorize",
                                             "{\"code\":\"" + code +
                                                 "\",\"serial\":\"0C0B0A090807060504030201\",\"challenge\":\"00112233445566778899\"}"));
  write("unlockd", "login", http("POST", "/api/portal/login", "{\"username\":\"ayse\",\"password\":\"parola\"}"));
  write("unlockd", "login-unknown", http("POST", "/api/portal/login", "{\"username\":\"x\",\"password\":\"y\"}"));
  write("unlockd", "me", http("GET", "/api/portal/me", "", known));
  write("unlockd", "me-other-session", http("GET", "/api/portal/me", "", session));
  write("unlockd", "code", http("POST", "/api/portal/code", "", known));
  write("unlockd", "logout", http("POST", "/api/portal/logout", "", known));
  write("unlockd", "not-json", http("POST", "/api/v1/unlock/check", "{\"code\":"));
  write("unlockd", "array", http("POST", "/api/v1/unlock/check", "[1,2]"));
  write("unlockd", "unknown-path", http("GET", "/api/nothing", ""));
}

}  // namespace akis::fuzz
