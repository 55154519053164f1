// SPDX-License-Identifier: LGPL-2.1-or-later
#include "akis/sanitise.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "akis/card.hpp"
#include "akis/redact.hpp"
#include "akis/trace.hpp"

namespace akis {

namespace {

// ---- synthetic values: an HMAC stream under the holder's key, shaped like the value it replaces ----
class Stream {
 public:
  Stream(const std::string& kind, ByteView raw) {
    seed_ = to_bytes(kind);
    seed_.push_back(0);
    append(seed_, raw);
  }
  std::uint8_t next() {
    if (pos_ == block_.size()) refill();
    return block_[pos_++];
  }
  unsigned below(unsigned n) { return next() % n; }

 private:
  void refill() {
    const Bytes& k = redact::key();
    Bytes in = seed_;
    in.push_back(static_cast<std::uint8_t>(counter_ >> 8));
    in.push_back(static_cast<std::uint8_t>(counter_++));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), in.data(), in.size(), mac, &len);
    block_.assign(mac, mac + len);
    pos_ = 0;
  }
  Bytes seed_, block_;
  std::size_t pos_ = 0;
  unsigned counter_ = 0;
};

bool is_hex_text(ByteView b) {
  return !b.empty() && std::all_of(b.begin(), b.end(), [](std::uint8_t c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
  });
}

bool valid_tckn(ByteView b) {
  if (b.size() != 11 || !std::all_of(b.begin(), b.end(), [](std::uint8_t c) { return c >= '0' && c <= '9'; }))
    return false;
  int d[11];
  for (int i = 0; i < 11; ++i) d[i] = b[i] - '0';
  if (d[0] == 0) return false;
  int odd = d[0] + d[2] + d[4] + d[6] + d[8], even = d[1] + d[3] + d[5] + d[7];
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += d[i];
  return ((odd * 7 - even) % 10 + 10) % 10 == d[9] && sum % 10 == d[10];
}

// Text of the same length and shape: digits stay digits, letters letters of the same case (a multi-byte UTF-8
// letter becomes as many ASCII letters), hex stays hex, a valid T.C. Kimlik No stays a valid one, the rest kept.
Bytes synthetic_text(ByteView raw, const std::string& kind) {
  Stream s(kind, raw);
  Bytes out(raw.begin(), raw.end());
  if (valid_tckn(raw)) {
    int d[11];
    d[0] = 1 + static_cast<int>(s.below(9));
    for (int i = 1; i < 9; ++i) d[i] = static_cast<int>(s.below(10));
    int odd = d[0] + d[2] + d[4] + d[6] + d[8], even = d[1] + d[3] + d[5] + d[7];
    d[9] = ((odd * 7 - even) % 10 + 10) % 10;
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += d[i];
    d[10] = sum % 10;
    for (int i = 0; i < 11; ++i) out[i] = static_cast<std::uint8_t>('0' + d[i]);
    return out;
  }
  const bool hex = is_hex_text(raw) && raw.size() >= 8;
  bool lower = false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint8_t c = out[i];
    if (c >= '0' && c <= '9') {
      out[i] = static_cast<std::uint8_t>('0' + s.below(10));
    } else if (hex && ((c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) {
      out[i] = static_cast<std::uint8_t>((c >= 'a' ? 'a' : 'A') + s.below(6));
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80) {
      if (c < 0x80) lower = c >= 'a';
      out[i] = static_cast<std::uint8_t>((lower ? 'a' : 'A') + s.below(26));
    }
  }
  return out;
}

Bytes synthetic_bytes(ByteView raw, const std::string& kind) {
  Stream s(kind, raw);
  Bytes out(raw.size());
  for (auto& b : out) b = s.next();
  return out;
}

// ---- the replacement table: raw value -> synthetic value of the same length ----
struct Table {
  std::vector<std::pair<Bytes, Bytes>> pairs;
  void add(ByteView raw, Bytes synth) {
    if (raw.empty() || synth.size() != raw.size() || std::equal(raw.begin(), raw.end(), synth.begin())) return;
    for (auto& p : pairs)
      if (std::equal(p.first.begin(), p.first.end(), raw.begin(), raw.end())) return;
    pairs.emplace_back(Bytes(raw.begin(), raw.end()), std::move(synth));
  }
  void add_text(ByteView raw, const std::string& kind) { add(raw, synthetic_text(raw, kind)); }
  // Longest first, so a name is replaced whole before its words.
  void order() {
    std::stable_sort(pairs.begin(), pairs.end(), [](auto& a, auto& b) { return a.first.size() > b.first.size(); });
  }
  bool apply(Bytes& data) const {
    bool changed = false;
    for (auto& [raw, synth] : pairs) {
      auto it = data.begin();
      while ((it = std::search(it, data.end(), raw.begin(), raw.end())) != data.end()) {
        std::copy(synth.begin(), synth.end(), it);
        it += static_cast<std::ptrdiff_t>(raw.size());
        changed = true;
      }
    }
    return changed;
  }
};

// A name's value and each of its words of 4+ bytes (labels often hold one of them).
void add_name(Table& t, ByteView value) {
  Bytes whole(value.begin(), value.end());
  Bytes synth = synthetic_text(value, "name");
  std::size_t start = 0;
  for (std::size_t i = 0; i <= whole.size(); ++i) {
    if (i < whole.size() && whole[i] != ' ') continue;
    if (i - start >= 4) {
      ByteView word = ByteView(whole).subspan(start, i - start);
      Bytes w = synthetic_text(word, "word");
      std::copy(w.begin(), w.end(), synth.begin() + static_cast<std::ptrdiff_t>(start));
      t.add(word, w);
    }
    start = i + 1;
  }
  t.add(value, synth);
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse_cert(ByteView der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

// The personal values of a holder certificate.
void collect_certificate(Table& t, X509* x) {
  X509_NAME* subject = X509_get_subject_name(x);
  for (int i = 0; i < X509_NAME_entry_count(subject); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(subject, i);
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_countryName) continue;
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(e);
    add_name(t, ByteView(ASN1_STRING_get0_data(s), static_cast<std::size_t>(ASN1_STRING_length(s))));
  }
  const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
  ByteView sv(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial)));
  if (sv.size() >= 4) {
    Bytes synth = synthetic_bytes(sv, "cert-serial");
    synth[0] = static_cast<std::uint8_t>((sv[0] & 0x80) | (synth[0] & 0x7F));  // the same sign padding in DER
    if (synth[0] == 0) synth[0] = 1;
    t.add(sv, synth);
  }
  if (auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
      if (g->type == GEN_EMAIL || g->type == GEN_DNS || g->type == GEN_URI) {
        ASN1_IA5STRING* s = g->d.ia5;
        t.add_text(ByteView(ASN1_STRING_get0_data(s), static_cast<std::size_t>(ASN1_STRING_length(s))), "alt-name");
      }
    }
    GENERAL_NAMES_free(names);
  }
}

// A throw-away signing key per (type, size), made once per process.
EVP_PKEY* test_key(int pkey_nid, std::size_t signature_bytes) {
  static std::mutex m;
  static std::map<std::pair<int, std::size_t>, std::unique_ptr<EVP_PKEY, X509Free>> keys;
  std::size_t size = pkey_nid == EVP_PKEY_RSA ? signature_bytes * 8 : signature_bytes <= 72 ? 256 : signature_bytes <= 104 ? 384 : 521;
  std::lock_guard lock(m);
  auto& k = keys[{pkey_nid, size}];
  if (!k) {
    if (pkey_nid == EVP_PKEY_RSA)
      k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size));
    else
      k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", size == 256 ? "P-256" : size == 384 ? "P-384" : "P-521"));
    if (!k) throw std::invalid_argument("sanitise: no test key could be made");
  }
  return k.get();
}

// The holder certificate with its personal values replaced, re-signed by a test key, at the same length.
// Remembered per certificate and holder key for the life of the process: an ECDSA signature is randomised, and
// the module's recorder sanitises its recording again after every answer.
Bytes reissue_uncached(ByteView der, const Table& t);
Bytes reissue(ByteView der, const Table& t) {
  static std::mutex m;
  static std::map<Bytes, Bytes> done;
  Bytes key(der.begin(), der.end());
  append(key, redact::key());
  {
    std::lock_guard lock(m);
    if (auto it = done.find(key); it != done.end()) return it->second;
  }
  Bytes out = reissue_uncached(der, t);
  std::lock_guard lock(m);
  return done.emplace(std::move(key), std::move(out)).first->second;
}
Bytes reissue_uncached(ByteView der, const Table& t) {
  Bytes body(der.begin(), der.end());
  t.apply(body);
  X509Ptr x = parse_cert(body);
  if (!x) throw std::invalid_argument("sanitise: a certificate no longer parses after its values were replaced");
  int md_nid = 0, pkey_nid = 0;
  if (!OBJ_find_sigid_algs(X509_get_signature_nid(x.get()), &md_nid, &pkey_nid) || md_nid == NID_undef ||
      (pkey_nid != EVP_PKEY_RSA && pkey_nid != NID_X9_62_id_ecPublicKey))
    throw std::invalid_argument("sanitise: a certificate signed with an algorithm this tool cannot reproduce");
  const ASN1_BIT_STRING* sig = nullptr;
  X509_get0_signature(&sig, nullptr, x.get());
  EVP_PKEY* key = test_key(pkey_nid == EVP_PKEY_RSA ? EVP_PKEY_RSA : EVP_PKEY_EC, static_cast<std::size_t>(sig->length));
  for (int attempt = 0; attempt < 200; ++attempt) {  // an ECDSA signature's DER length varies by a byte or two
    if (X509_sign(x.get(), key, EVP_get_digestbynid(md_nid)) <= 0) break;
    int len = i2d_X509(x.get(), nullptr);
    if (len == static_cast<int>(der.size())) {
      Bytes out(static_cast<std::size_t>(len));
      unsigned char* p = out.data();
      i2d_X509(x.get(), &p);
      return out;
    }
    if (pkey_nid == EVP_PKEY_RSA) break;
  }
  throw std::invalid_argument("sanitise: a certificate cannot be re-issued at its length");
}

// ---- where each answer's data lies in a file ----
struct Piece {
  std::size_t exchange;
  Bytes file;  // the SELECT that chose the file
  std::size_t offset, length;
};
struct Content {
  Bytes data;
  std::vector<bool> known;
};

}  // namespace

Recording sanitise(const Recording& raw, SanitiseSummary* summary) {
  trace::Mute mute;  // the replays below are ours, not the card's
  Recording out = raw;

  // 1. READ BINARY answers (and the GET RESPONSE parts after 61xx) as pieces of the files' content.
  std::vector<Piece> pieces;
  std::vector<bool> in_file(raw.exchanges.size(), false);
  Bytes selection;
  std::optional<std::pair<Bytes, std::size_t>> pending;  // file and offset a GET RESPONSE continues
  for (std::size_t i = 0; i < raw.exchanges.size(); ++i) {
    const Exchange& e = raw.exchanges[i];
    const ByteView c = e.command, a = e.answer;
    const std::size_t n = a.size() - 2;
    const std::uint8_t sw1 = a[a.size() - 2];
    std::optional<std::pair<Bytes, std::size_t>> next;
    if (!e.header_only && c[1] == 0xB0 && !(c[2] & 0x80) && (sw1 == 0x90 || sw1 == 0x62 || sw1 == 0x61)) {
      const std::size_t off = static_cast<std::size_t>((c[2] << 8) | c[3]);
      pieces.push_back({i, selection, off, n});
      if (sw1 == 0x61) next = {{selection, off + n}};
    } else if (c[1] == 0xC0 && pending) {
      pieces.push_back({i, pending->first, pending->second, n});
      if (sw1 == 0x61) next = {{pending->first, pending->second + n}};
    }
    if (!pieces.empty() && pieces.back().exchange == i) in_file[i] = true;
    if (c[1] == 0xA4 && answer_accepted(a)) selection.assign(c.begin(), c.end());
    pending = next;
  }
  std::map<Bytes, Content> files;
  for (auto& p : pieces) {
    Content& f = files[p.file];
    if (f.data.size() < p.offset + p.length) f.data.resize(p.offset + p.length), f.known.resize(p.offset + p.length);
    const Bytes& a = raw.exchanges[p.exchange].answer;
    for (std::size_t k = 0; k < p.length; ++k) f.data[p.offset + k] = a[k], f.known[p.offset + k] = true;
  }

  // 2. The personal values: holder certificates found in any file, the card serial, TokenInfo.
  Table values;
  std::vector<Bytes> holder_certs;
  for (auto& [key, f] : files) {
    for (std::size_t i = 0; i + 4 < f.data.size(); ++i) {
      if (f.data[i] != 0x30 || f.data[i + 1] != 0x82 || !f.known[i]) continue;
      const std::size_t len = 4 + be16(f.data, i + 2);
      // A certificate's header (SEQUENCE, SEQUENCE) whose body the recording never read whole: its personal
      // values are unknown, so it cannot be replaced; refused rather than published.
      const bool looks_like_cert = i + 6 <= f.data.size() && f.data[i + 4] == 0x30 && f.data[i + 5] == 0x82;
      const bool whole = i + len <= f.data.size() &&
                         std::all_of(f.known.begin() + static_cast<std::ptrdiff_t>(i),
                                     f.known.begin() + static_cast<std::ptrdiff_t>(i + len), [](bool b) { return b; });
      if (looks_like_cert && !whole)
        throw std::invalid_argument("sanitise: a certificate the recording holds only in part (file selected by " +
                                    to_hex(key, ' ') + ")");
      if (!whole) continue;
      ByteView der = ByteView(f.data).subspan(i, len);
      X509Ptr x = parse_cert(der);
      if (!x) continue;
      if (X509_check_ca(x.get()) > 0) continue;  // CA certificates are public
      if (std::find(holder_certs.begin(), holder_certs.end(), Bytes(der.begin(), der.end())) == holder_certs.end())
        holder_certs.emplace_back(der.begin(), der.end());
      collect_certificate(values, x.get());
    }
  }
  auto add_serial = [&](ByteView serial) {
    Bytes synth = synthetic_bytes(serial, "card-serial");
    values.add(serial, synth);
    for (bool low : {false, true}) {
      std::string a = to_hex(serial), b = to_hex(synth);
      if (low) {
        std::transform(a.begin(), a.end(), a.begin(), ::tolower);
        std::transform(b.begin(), b.end(), b.begin(), ::tolower);
      }
      values.add(view(a), to_bytes(b));
    }
  };
  for (auto& e : raw.exchanges)
    if (e.command.size() >= 4 && e.command[1] == 0xCA && e.command[2] == 0x01 && e.command[3] == 0x06 &&
        e.answer.size() >= 67 + 2)
      add_serial(ByteView(e.answer).subspan(55, 12));
  try {  // TokenInfo as the card layer reads it
    Card card(std::make_unique<ReplayTransport>(raw));
    const CardProfile& p = card.profile();
    if (p.card_serial.size() >= 4) add_serial(p.card_serial);
    values.order();
    Bytes ts = p.token.serial_bytes;
    if (!values.apply(ts) && ts.size() >= 4) values.add_text(p.token.serial_bytes, "token-serial");
    if (p.token.label.size() >= 4) add_name(values, view(p.token.label));
  } catch (const std::exception&) {
    // no profile from this recording: the values above are all there is
  }
  values.order();

  // 3. Holder certificates re-issued; then every file and every other answer through the table.
  Table certs;
  for (auto& der : holder_certs) certs.add(der, reissue(der, values));
  SanitiseSummary sum;
  sum.certificates = holder_certs.size();
  sum.values = values.pairs.size();
  for (auto& [key, f] : files) {
    certs.apply(f.data);
    values.apply(f.data);
  }
  for (auto& p : pieces) {
    Bytes& a = out.exchanges[p.exchange].answer;
    std::copy_n(files[p.file].data.begin() + static_cast<std::ptrdiff_t>(p.offset), p.length, a.begin());
  }
  for (std::size_t i = 0; i < out.exchanges.size(); ++i) {
    Exchange& e = out.exchanges[i];
    if (!in_file[i]) {
      Bytes data(e.answer.begin(), e.answer.end() - 2);
      const bool certs_changed = certs.apply(data), values_changed = values.apply(data);  // both, always
      if (certs_changed || values_changed) std::copy(data.begin(), data.end(), e.answer.begin());
    }
    if (!e.header_only && e.command.size() > 5) {  // written content (UPDATE BINARY of a certificate)
      Bytes cmd = e.command;
      const bool certs_changed = certs.apply(cmd), values_changed = values.apply(cmd);
      if (certs_changed || values_changed) e.command = cmd;
    }
    sum.answers += e.answer != raw.exchanges[i].answer;
  }

  // 4. Nothing personal left: every raw value of 4+ bytes is gone from every command and answer.
  for (std::size_t i = 0; i < out.exchanges.size(); ++i)
    for (auto& [rawv, synth] : values.pairs) {
      if (rawv.size() < 4) continue;
      for (const Bytes* b : {&out.exchanges[i].answer, &out.exchanges[i].command})
        if (std::search(b->begin(), b->end(), rawv.begin(), rawv.end()) != b->end())
          throw std::invalid_argument("sanitise: a personal value is still in exchange " + std::to_string(i + 1) +
                                      " (split across answers the tool does not join)");
    }
  if (summary) *summary = sum;
  return out;
}

}  // namespace akis
