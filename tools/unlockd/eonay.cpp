// SPDX-License-Identifier: LGPL-2.1-or-later
#include "eonay.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>

#include "akis/sign/cades.hpp"

namespace akis::unlockd {

const EonayText& eonay_text() {
  static const EonayText t{
      "1",
      "E-ONAY TAAHHÜTNAMESİ\n"
      "Bu hizmete kayıtlı hesabımın sahibi olduğumu; hesabıma bağlı kartımın PIN engelinin bu hizmet üzerinden "
      "kaldırılmasına ve bu işlemlerin kaydının tutulmasına onay verdiğimi; bu onayı nitelikli elektronik "
      "sertifikamla imzaladığımı ve dilediğim zaman portaldan kaldırabileceğimi kabul ederim.",
      "E-APPROVAL COMMITMENT\n"
      "I confirm that I am the holder of the account registered with this service; that I approve the unblocking of "
      "my card's PIN through this service and the keeping of records of these operations; that I sign this approval "
      "with my qualified electronic certificate and that I may withdraw it on the portal at any time."};
  return t;
}

std::string eonay_document() {
  const auto& t = eonay_text();
  return "E-Onay metni / E-Onay text, sürüm / version " + t.version + "\n\n" + t.tr + "\n\n" + t.en + "\n";
}

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

std::string subject_serial_number(X509* x) {
  X509_NAME* n = X509_get_subject_name(x);
  int i = X509_NAME_get_index_by_NID(n, NID_serialNumber, -1);
  if (i < 0) return {};
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
}

}  // namespace

EonayCheck check_eonay_signature(ByteView cms_der, const std::string& ca_file, const std::string& national_id) {
  EonayCheck r;
  sign::Verification v;
  try {
    v = sign::cades_verify(cms_der, std::nullopt, {ca_file});
  } catch (const std::exception& e) {
    return {"signature_invalid", std::string("not a CMS signature: ") + e.what(), {}, {}};
  }
  if (!v.signature_valid) return {"signature_invalid", "the signature does not verify: " + v.error, {}, {}};
  const std::string doc = eonay_document();
  if (v.content != Bytes(doc.begin(), doc.end()))
    return {"text_mismatch", "the signed content is not the current E-Onay text", {}, {}};
  const unsigned char* p = v.signer_cert.data();
  std::unique_ptr<X509, X509Free> cert(d2i_X509(nullptr, &p, static_cast<long>(v.signer_cert.size())));
  if (!cert) return {"signature_invalid", "the signer certificate cannot be read", {}, {}};
  ASN1_INTEGER* sn = X509_get_serialNumber(cert.get());
  r.cert_serial = to_hex(ByteView(sn->data, static_cast<std::size_t>(sn->length)));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &md_len);
  r.cert_fingerprint = to_hex(ByteView(md, md_len));
  if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) >= 0 ||
      X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0) {
    r.error = "certificate_expired";
    r.message = "the signer certificate is not within its validity period";
    return r;
  }
  if (v.chain != sign::ChainResult::Trusted) {
    r.error = "certificate_untrusted";
    r.message = "the signer certificate is not issued by the trusted CA: " + v.chain_error;
    return r;
  }
  if (national_id.empty() || subject_serial_number(cert.get()) != national_id) {
    r.error = "wrong_signer";
    r.message = "the signer certificate is not the account holder's (T.C. Kimlik No differs)";
    return r;
  }
  return r;
}

}  // namespace akis::unlockd
