// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cert_summary.hpp"

#include "akis/x509_name.hpp"
#include "messages.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace akis::cli {

namespace {
// Policy OIDs that mark a qualified personal certificate or a financial seal. The test CA uses the first
// of each list; real issuers' OIDs go here as they become known.
const char* kQualifiedPolicies[] = {"2.16.792.1.2.1.1.5.7.1.9"};
const char* kSealPolicies[] = {"2.16.792.1.2.1.1.5.7.3.1"};


std::time_t to_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

bool all_digits(const std::string& s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}
}  // namespace

CertSummary summarise_certificate(ByteView der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())), &X509_free);
  if (!x) throw std::runtime_error("not an X.509 certificate");
  CertSummary s;
  X509_NAME* subject = X509_get_subject_name(x.get());
  s.holder = x509_name_entry(subject, NID_commonName);
  s.organization = x509_name_entry(subject, NID_organizationName);
  s.national_id = x509_name_entry(subject, NID_serialNumber);
  X509_NAME* issuer = X509_get_issuer_name(x.get());
  s.issuer = x509_name_entry(issuer, NID_commonName);
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x.get()), nullptr)) {
    char* hex = BN_bn2hex(bn);
    s.serial = hex;
    OPENSSL_free(hex);
    BN_free(bn);
  }
  EVP_PKEY* key = X509_get0_pubkey(x.get());
  if (key) {
    s.key_type = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? "EC" : EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "RSA" : "?";
    s.key_bits = EVP_PKEY_get_bits(key);
  }
  std::uint32_t ku = X509_get_key_usage(x.get());
  static const struct {
    std::uint32_t bit;
    const char* name;
  } kBits[] = {{KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
               {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
               {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
               {KU_CRL_SIGN, "cRLSign"}};
  if (ku != UINT32_MAX)
    for (auto& b : kBits)
      if (ku & b.bit) s.key_usage.push_back(b.name);
  s.not_before = to_time(X509_get0_notBefore(x.get()));
  s.not_after = to_time(X509_get0_notAfter(x.get()));

  // Qualified or seal: the certificate policy first, then the shape of the subject.
  auto* policies = static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(x.get(), NID_certificate_policies, nullptr, nullptr));
  if (policies) {
    for (int i = 0; i < sk_POLICYINFO_num(policies); ++i) {
      char oid[128];
      OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(policies, i)->policyid, 1);
      for (auto* q : kQualifiedPolicies)
        if (std::string(oid) == q) s.kind = CertKind::Qualified;
      for (auto* q : kSealPolicies)
        if (std::string(oid) == q) s.kind = CertKind::Seal;
    }
    CERTIFICATEPOLICIES_free(policies);
  }
  if (s.kind == CertKind::Other) {
    if (!s.organization.empty() && all_digits(s.national_id, 10)) s.kind = CertKind::Seal;
    else if (all_digits(s.national_id, 11) && (ku & KU_NON_REPUDIATION)) s.kind = CertKind::Qualified;
  }
  return s;
}

const char* kind_json(CertKind k) { return k == CertKind::Qualified ? "qualified" : k == CertKind::Seal ? "seal" : "other"; }

long days_until(std::time_t t, std::time_t now) {
  double d = std::difftime(t, now) / 86400.0;
  return d >= 0 ? static_cast<long>(d) : -static_cast<long>(-d + 0.999999);
}

std::string iso_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

ValidityReport certificate_validity(const CertSummary& s, std::time_t now) {
  ValidityReport r;
  r.days_left = days_until(s.not_after, now);
  if (now < s.not_before) {
    r.validity = Validity::NotYetValid;
    r.warning = msg(M::WarnNotYetValid, iso_date(s.not_before));
  } else if (r.days_left < 0) {
    r.validity = Validity::Expired;
    r.warning = msg(M::WarnExpired, -r.days_left);
  } else if (r.days_left < kWarnDays) {
    r.validity = Validity::ExpiresSoon;
    r.warning = msg(M::WarnExpiresSoon, r.days_left);
  }
  return r;
}

const char* validity_json(Validity v) {
  switch (v) {
    case Validity::ExpiresSoon: return "expires_soon";
    case Validity::Expired: return "expired";
    case Validity::NotYetValid: return "not_yet_valid";
    case Validity::Valid: break;
  }
  return "valid";
}

std::string to_pem(ByteView der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())), &X509_free);
  if (!x) throw std::runtime_error("not an X.509 certificate");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_X509(bio.get(), x.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace akis::cli
