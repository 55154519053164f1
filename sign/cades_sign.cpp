// SPDX-License-Identifier: LGPL-2.1-or-later
// CAdES-BES signing with OpenSSL's CMS (CMS_CADES adds signing-certificate-v2; content type, signing time
// and message digest are the default signed attributes) and the CAdES-T timestamp attribute.
#include <httplib.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ts.h>

#include "akis/sign/cades.hpp"
#include "ossl_util.hpp"
#include "p11_session.hpp"

namespace akis::sign {

namespace {

[[noreturn]] void sign_failed(const std::string& what) {
  if (auto e = take_sign_error()) {
    ERR_clear_error();
    throw *e;
  }
  ossl_fail(what);
}

using TsReqPtr = std::unique_ptr<TS_REQ, Deleter<TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, Deleter<TS_RESP_free>>;

// An RFC 3161 request for the SHA-256 of `data` with a random nonce, asking for the TSA's certificate.
Bytes timestamp_request(ByteView data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data.data(), data.size(), md);
  TsReqPtr req(TS_REQ_new());
  TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
  X509_ALGOR* alg = X509_ALGOR_new();
  X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
  TS_MSG_IMPRINT_set_algo(imprint, alg);
  TS_MSG_IMPRINT_set_msg(imprint, md, sizeof md);
  TS_REQ_set_version(req.get(), 1);
  TS_REQ_set_msg_imprint(req.get(), imprint);
  TS_MSG_IMPRINT_free(imprint);
  X509_ALGOR_free(alg);
  unsigned char nonce_bytes[8];
  RAND_bytes(nonce_bytes, sizeof nonce_bytes);
  nonce_bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr);
  ASN1_INTEGER* nonce = BN_to_ASN1_INTEGER(bn, nullptr);
  TS_REQ_set_nonce(req.get(), nonce);
  ASN1_INTEGER_free(nonce);
  BN_free(bn);
  TS_REQ_set_cert_req(req.get(), 1);
  unsigned char* der = nullptr;
  int n = i2d_TS_REQ(req.get(), &der);
  if (n <= 0) ossl_fail("TS request");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// POSTs the request; returns the DER of the token (a ContentInfo) when the TSA granted it.
Bytes fetch_token(const std::string& url, const std::string& ca_file, ByteView request) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::runtime_error("TSA URL without http:// or https://: " + url);
  auto path_start = url.find('/', scheme_end + 3);
  std::string base = url.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(base);
  client.set_connection_timeout(10);
  client.set_read_timeout(30);
  if (!ca_file.empty()) client.set_ca_cert_path(ca_file.c_str());
  std::string body(request.begin(), request.end());
  auto res = client.Post(path, body, "application/timestamp-query");
  if (!res) throw std::runtime_error("TSA " + url + ": " + httplib::to_string(res.error()));
  if (res->status != 200) throw std::runtime_error("TSA " + url + ": HTTP " + std::to_string(res->status));
  const unsigned char* p = reinterpret_cast<const unsigned char*>(res->body.data());
  TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(res->body.size())));
  if (!resp) ossl_fail("TSA answer is not an RFC 3161 response");
  long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())));
  if (status != 0 && status != 1) throw std::runtime_error("TSA refused the request (status " + std::to_string(status) + ")");
  PKCS7* token = TS_RESP_get_token(resp.get());
  unsigned char* der = nullptr;
  int n = token ? i2d_PKCS7(token, &der) : 0;
  if (n <= 0) ossl_fail("TSA response without a token");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

void add_timestamp(CMS_ContentInfo* cms, const std::string& url, const std::string& ca_file) {
  auto* sis = CMS_get0_SignerInfos(cms);
  if (!sis || sk_CMS_SignerInfo_num(sis) < 1) throw std::runtime_error("no signer to timestamp");
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
  ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
  Bytes token = fetch_token(url, ca_file, timestamp_request(ByteView(sig->data, static_cast<std::size_t>(sig->length))));
  if (!CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, token.data(),
                                     static_cast<int>(token.size())))
    ossl_fail("adding the timestamp");
}

}  // namespace

Bytes cades_sign(EVP_PKEY* key, ByteView cert_der, ByteView content, const CadesOptions& o,
                 const std::vector<Bytes>& chain_der) {
  auto cert = parse_cert(cert_der);
  const unsigned flags = CMS_BINARY | CMS_CADES | CMS_NOSMIMECAP | (o.detached ? CMS_DETACHED : 0u);
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags | CMS_PARTIAL));
  if (!cms) ossl_fail("CMS_sign");
  if (!CMS_add1_signer(cms.get(), cert.get(), key, EVP_sha256(), flags | CMS_PARTIAL)) sign_failed("CMS_add1_signer");
  for (auto& der : chain_der) {
    auto x = parse_cert(der);
    CMS_add1_cert(cms.get(), x.get());
  }
  auto in = mem_bio(content);
  if (!CMS_final(cms.get(), in.get(), nullptr, flags)) sign_failed("signing");
  if (!o.tsa_url.empty()) add_timestamp(cms.get(), o.tsa_url, o.tsa_ca_file);
  return cms_der(cms.get());
}

Bytes cades_add_timestamp(ByteView cms_der_in, const std::string& tsa_url, const std::string& tsa_ca_file) {
  auto cms = parse_cms(cms_der_in);
  add_timestamp(cms.get(), tsa_url, tsa_ca_file);
  return cms_der(cms.get());
}

}  // namespace akis::sign
