// SPDX-License-Identifier: LGPL-2.1-or-later
// CAdES-T / PAdES-T: `akis sign --tsa URL` against a local RFC 3161 authority (openssl ts -reply behind a small
// HTTP responder in this process); the token checked by `openssl ts -verify` and by `akis verify`, which gives
// exit 33 for a changed byte in the token (CAdES and PAdES) and for a genuine token over another signature.
#include <httplib.h>
#include <openssl/cms.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>
#include <podofo/podofo.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "akis/sign/pades.hpp"
#include "sign_fixture.hpp"

using namespace akis::test;

namespace {

class Tsa {
 public:
  Tsa() {
    d_ = SignTest_dir() + "/tsa";
    std::string out;
    run_command("mkdir -p '" + d_ + "' && cd '" + d_ + "' && "
                "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=Test TSA Root' "
                "-keyout root.key -out root.pem -days 2 -addext basicConstraints=critical,CA:true 2>&1 && "
                "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=Test TSA' -keyout tsa.key "
                "-out tsa.csr 2>&1 && printf 'extendedKeyUsage=critical,timeStamping\\n' > ext.cnf && "
                "openssl x509 -req -in tsa.csr -CA root.pem -CAkey root.key -CAcreateserial -days 2 -extfile ext.cnf "
                "-out tsa.pem 2>&1 && printf '01\\n' > serial && "
                "printf '[tsa]\\ndefault_tsa=t\\n[t]\\nserial=%s/serial\\nsigner_digest=sha256\\ndefault_policy=1.2.3.4\\n"
                "digests=sha256\\ness_cert_id_alg=sha256\\naccuracy=secs:1\\n' '" + d_ + "' > tsa.cnf",
                out);
    server_.Post("/tsa", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(m_);
      std::ofstream(d_ + "/req.tsq", std::ios::binary | std::ios::trunc) << req.body;
      std::string o;
      int rc = run_command("cd '" + d_ + "' && openssl ts -reply -config tsa.cnf -queryfile req.tsq -inkey tsa.key "
                           "-signer tsa.pem -chain tsa.pem -out resp.tsr 2>&1", o);
      if (rc != 0) {
        res.status = 500;
        return;
      }
      std::ifstream in(d_ + "/resp.tsr", std::ios::binary);
      res.set_content(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
                      "application/timestamp-reply");
      ++requests_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Tsa() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/tsa"; }
  std::string root() const { return d_ + "/root.pem"; }
  std::string cert() const { return d_ + "/tsa.pem"; }
  int requests() const { return requests_; }
  static std::string SignTest_dir() { return temp_dir(); }

 private:
  std::string d_;
  httplib::Server server_;
  std::thread thread_;
  std::mutex m_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void make_a4(const std::string& path) {
  PoDoFo::PdfMemDocument pdf;
  pdf.CreatePage(PoDoFo::PdfPage::CreateStandardPageSize(PoDoFo::ePdfPageSize_A4));
  pdf.Write(path.c_str());
}

// The timestamp token and the signature value it covers, taken out of a CAdES file (parsing only: the
// checking is openssl ts -verify's).
void split_token(const std::string& cms_path, const std::string& token_path, const std::string& sigvalue_path) {
  BIO* in = BIO_new_file(cms_path.c_str(), "rb");
  ASSERT_NE(in, nullptr);
  CMS_ContentInfo* cms = d2i_CMS_bio(in, nullptr);
  BIO_free(in);
  ASSERT_NE(cms, nullptr);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
  ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
  std::ofstream(sigvalue_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(sig->data), sig->length);
  int i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  ASSERT_GE(i, 0);
  ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, i), 0);
  ASSERT_EQ(t->type, V_ASN1_SEQUENCE);
  std::ofstream(token_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(t->value.sequence->data), t->value.sequence->length);
  CMS_ContentInfo_free(cms);
}

TEST_F(SignTest, TimestampedCadesAndPadesVerify) {
  Tsa tsa;
  std::string doc = write("ts.txt", "zaman damgalı belge\n");
  auto r = akis("sign --detached --tsa " + tsa.url() + " '" + doc + "'");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(tsa.requests(), 1);
  std::string p7s = doc + ".p7s";
  split_token(p7s, dir() + "/token.der", dir() + "/sigvalue.bin");
  auto v = sh("openssl ts -verify -token_in -in '" + dir() + "/token.der' -data '" + dir() + "/sigvalue.bin' -CAfile '" +
              tsa.root() + "' -untrusted '" + tsa.cert() + "'");
  EXPECT_EQ(v.rc, 0) << v.out;
  EXPECT_TRUE(has(v.out, "Verification: OK")) << v.out;
  // The signature itself still verifies with openssl cms (the token is an unsigned attribute).
  EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in '" + p7s + "' -content '" + doc + "' -CAfile '" +
               ca_cert_path() + "' -out /dev/null").rc, 0);
  auto a = akis("verify --ca '" + ca_cert_path() + "' --ca '" + tsa.root() + "' --data '" + doc + "' '" + p7s + "'");
  EXPECT_EQ(a.rc, 0) << a.out;
  EXPECT_TRUE(has(a.out, "Timestamp: ")) << a.out;
  EXPECT_TRUE(has(a.out, " valid")) << a.out;
  // A token over another signature value does not verify.
  std::string sv = read(dir() + "/sigvalue.bin");
  flip(dir() + "/sigvalue.bin", 5);
  EXPECT_NE(sh("openssl ts -verify -token_in -in '" + dir() + "/token.der' -data '" + dir() + "/sigvalue.bin' -CAfile '" +
               tsa.root() + "' -untrusted '" + tsa.cert() + "'").rc, 0);

  // PAdES-T: pdfsig sees a valid signature with the token inside.
  make_a4(dir() + "/ts.pdf");
  ASSERT_EQ(akis("sign --tsa " + tsa.url() + " '" + dir() + "/ts.pdf'").rc, 0);
  EXPECT_EQ(tsa.requests(), 2);
  EXPECT_TRUE(has(sh("pdfsig '" + dir() + "/ts.signed.pdf'").out, "Signature is Valid."));
  auto ap = akis("verify --ca '" + ca_cert_path() + "' --ca '" + tsa.root() + "' '" + dir() + "/ts.signed.pdf'");
  EXPECT_EQ(ap.rc, 0) << ap.out;
  EXPECT_TRUE(has(ap.out, "Timestamp: ")) << ap.out;
}

using CmsPtr = std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)>;

CmsPtr load_cms(const std::string& bytes) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
  return CmsPtr(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(bytes.size())), CMS_ContentInfo_free);
}

// The hex SHA-256 of the signature value: the message imprint inside its timestamp token.
std::string imprint_of(CMS_ContentInfo* cms) {
  ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0));
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(sig->data, static_cast<std::size_t>(sig->length), md);
  return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

// The timestamp token of `from` put in place of the one in `into` (unsigned attributes are outside the CMS
// signature, so the result still verifies as CMS): a genuine token, but over another signature value.
void transplant_token(const std::string& from, const std::string& into, const std::string& out) {
  auto a = load_cms(slurp(from));
  auto b = load_cms(slurp(into));
  ASSERT_TRUE(a && b);
  CMS_SignerInfo* sa = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(a.get()), 0);
  CMS_SignerInfo* sb = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(b.get()), 0);
  int ia = CMS_unsigned_get_attr_by_NID(sa, NID_id_smime_aa_timeStampToken, -1);
  int ib = CMS_unsigned_get_attr_by_NID(sb, NID_id_smime_aa_timeStampToken, -1);
  ASSERT_TRUE(ia >= 0 && ib >= 0);
  ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(sa, ia), 0);
  X509_ATTRIBUTE_free(CMS_unsigned_delete_attr(sb, ib));
  ASSERT_EQ(CMS_unsigned_add1_attr_by_NID(sb, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                          t->value.sequence->data, t->value.sequence->length), 1);
  BIO* bio = BIO_new_file(out.c_str(), "wb");
  ASSERT_NE(bio, nullptr);
  EXPECT_EQ(i2d_CMS_bio(bio, b.get()), 1);
  BIO_free(bio);
}

// Replaces the hex digit at `at` with another hex digit.
void change_hex_digit(std::string& s, std::size_t at) { s[at] = s[at] == '0' ? '1' : '0'; }

TEST_F(SignTest, BrokenTimestampGivesExit33) {
  Tsa tsa;
  std::string doc = write("tsb.txt", "damgası bozulacak belge\n");
  std::string other = write("tsb-other.txt", "başka bir belge\n");
  ASSERT_EQ(akis("sign --detached --tsa " + tsa.url() + " '" + doc + "'").rc, 0);
  ASSERT_EQ(akis("sign --detached --tsa " + tsa.url() + " '" + other + "'").rc, 0);
  const std::string p7s = doc + ".p7s";
  // Anchors as a directory (the user guide's `--ca roots/`): the card CA in DER, the TSA root in PEM, and a file
  // that is no certificate and is skipped.
  const std::string roots = dir() + "/roots";
  ASSERT_EQ(sh("mkdir -p '" + roots + "' && openssl x509 -in '" + ca_cert_path() + "' -outform DER -out '" + roots +
               "/card-ca.der' && cp '" + tsa.root() + "' '" + roots + "/tsa-root.pem' && echo not a cert > '" + roots +
               "/README.txt'").rc, 0);
  const std::string verify = "verify --ca '" + roots + "/' --data '" + doc + "' ";
  auto ok = akis(verify + "'" + p7s + "'");
  ASSERT_EQ(ok.rc, 0) << ok.out;
  // Only the TSA root in the directory: the timestamp verifies, the signer does not reach an anchor.
  sh("mkdir -p '" + dir() + "/tsa-only' && cp '" + tsa.root() + "' '" + dir() + "/tsa-only/'");
  EXPECT_EQ(akis("verify --ca '" + dir() + "/tsa-only' --data '" + doc + "' '" + p7s + "'").rc, 31);

  // One changed byte of the message imprint inside the token (the CMS signature itself is untouched).
  std::string bytes = read(p7s);
  auto cms = load_cms(bytes);
  ASSERT_TRUE(cms);
  auto at = bytes.find(imprint_of(cms.get()));
  ASSERT_NE(at, std::string::npos);
  const std::string broken = dir() + "/tsb-imprint.p7s";
  std::ofstream(broken, std::ios::binary) << bytes;
  flip(broken, static_cast<long>(at + 7));
  EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in '" + broken + "' -content '" + doc + "' -CAfile '" +
               ca_cert_path() + "' -out /dev/null").rc, 0);
  auto bad = akis(verify + "'" + broken + "'");
  EXPECT_EQ(bad.rc, 33) << bad.out;
  EXPECT_TRUE(has(bad.out, "Signature: valid")) << bad.out;
  EXPECT_TRUE(has(bad.out, "Timestamp: ")) << bad.out;
  EXPECT_TRUE(has(bad.out, "INVALID (")) << bad.out;
  EXPECT_TRUE(has(bad.out, "Verdict: INVALID: the timestamp does not verify")) << bad.out;
  auto j = nlohmann::json::parse(akis("verify --json --ca '" + roots + "' --data '" + doc + "' '" + broken + "'").out);
  EXPECT_EQ(j["verdict"], "timestamp_invalid");
  EXPECT_EQ(j["exit_code"], 33);
  EXPECT_EQ(j["signature_valid"], true);
  EXPECT_EQ(j["timestamp"]["valid"], false);

  // A changed byte at the very end: the TSA's own signature value over the token.
  std::ofstream(broken, std::ios::binary | std::ios::trunc) << bytes;
  flip(broken, -1);
  EXPECT_EQ(akis(verify + "'" + broken + "'").rc, 33);
  // Without --ca the TSA's signature is still checked (with the certificate in the token): intact gives 32
  // (signer not checked), the changed token 33.
  EXPECT_EQ(akis("verify --data '" + doc + "' '" + p7s + "'").rc, 32);
  auto no_ca = akis("verify --data '" + doc + "' '" + broken + "'");
  EXPECT_EQ(no_ca.rc, 33) << no_ca.out;

  // A genuine token from the other signature: it verifies by itself, but covers another signature value.
  const std::string moved = dir() + "/tsb-moved.p7s";
  transplant_token(other + ".p7s", p7s, moved);
  EXPECT_EQ(sh("openssl cms -verify -binary -inform DER -in '" + moved + "' -content '" + doc + "' -CAfile '" +
               ca_cert_path() + "' -out /dev/null").rc, 0);
  auto m = akis("verify --json --ca '" + roots + "' --data '" + doc + "' '" + moved + "'");
  EXPECT_EQ(m.rc, 33) << m.out;
  EXPECT_EQ(nlohmann::json::parse(m.out)["verdict"], "timestamp_invalid") << m.out;

  // PAdES-T: one hex digit of the imprint inside /Contents (outside the /ByteRange, so pdfsig's digest holds).
  make_a4(dir() + "/tsb.pdf");
  ASSERT_EQ(akis("sign --tsa " + tsa.url() + " '" + dir() + "/tsb.pdf'").rc, 0);
  const std::string signed_pdf = dir() + "/tsb.signed.pdf";
  std::string pdf = read(signed_pdf);
  auto sig = akis::sign::pades_extract(akis::Bytes(pdf.begin(), pdf.end()));
  auto pcms = load_cms(std::string(sig.cms.begin(), sig.cms.end()));
  ASSERT_TRUE(pcms);
  std::string hex;
  for (unsigned char c : imprint_of(pcms.get())) {
    static const char* digits = "0123456789abcdef";
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  std::string lower_pdf = pdf;
  std::transform(lower_pdf.begin(), lower_pdf.end(), lower_pdf.begin(), [](unsigned char c) { return std::tolower(c); });
  auto hat = lower_pdf.find(hex);
  ASSERT_NE(hat, std::string::npos);
  ASSERT_EQ(akis("verify --ca '" + roots + "' '" + signed_pdf + "'").rc, 0);
  change_hex_digit(pdf, hat + 10);
  std::ofstream(signed_pdf, std::ios::binary | std::ios::trunc) << pdf;
  auto bp = akis("verify --ca '" + roots + "' '" + signed_pdf + "'");
  EXPECT_EQ(bp.rc, 33) << bp.out;
  EXPECT_TRUE(has(bp.out, "Verdict: INVALID: the timestamp does not verify")) << bp.out;
}

}  // namespace
