// SPDX-License-Identifier: LGPL-2.1-or-later
// CAdES-T / PAdES-T: `akis sign --tsa URL` against a local RFC 3161 authority (openssl ts -reply behind a small
// HTTP responder in this process); the token checked by `openssl ts -verify` and by `akis verify`.
#include <httplib.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include <podofo/podofo.h>

#include <atomic>
#include <mutex>
#include <thread>

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
  PoDoFo::PdfMemDocument pdfdoc;
  pdfdoc.CreatePage(PoDoFo::PdfPage::CreateStandardPageSize(PoDoFo::ePdfPageSize_A4));
  pdfdoc.Write((dir() + "/ts.pdf").c_str());
  ASSERT_EQ(akis("sign --tsa " + tsa.url() + " '" + dir() + "/ts.pdf'").rc, 0);
  EXPECT_EQ(tsa.requests(), 2);
  EXPECT_TRUE(has(sh("pdfsig '" + dir() + "/ts.signed.pdf'").out, "Signature is Valid."));
  auto ap = akis("verify --ca '" + ca_cert_path() + "' --ca '" + tsa.root() + "' '" + dir() + "/ts.signed.pdf'");
  EXPECT_EQ(ap.rc, 0) << ap.out;
  EXPECT_TRUE(has(ap.out, "Timestamp: ")) << ap.out;
}

}  // namespace
