// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ossl_util.hpp"

#include <openssl/cms.h>
#include <openssl/pem.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "akis/sign/cades.hpp"

namespace akis::sign {

std::string ossl_errors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

void ossl_fail(const std::string& what) {
  std::string e = ossl_errors();
  throw std::runtime_error(e.empty() ? what : what + ": " + e);
}

BioPtr mem_bio(ByteView b) {
  BioPtr p(BIO_new_mem_buf(b.data(), static_cast<int>(b.size())));
  if (!p) ossl_fail("BIO_new_mem_buf");
  return p;
}

Bytes bio_bytes(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? Bytes(data, data + n) : Bytes{};
}

X509Ptr parse_cert(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) ossl_fail("not an X.509 certificate");
  return x;
}

CmsPtr parse_cms(ByteView der) {
  auto bio = mem_bio(der);
  CmsPtr cms(d2i_CMS_bio(bio.get(), nullptr));
  if (!cms) ossl_fail("not a CMS signature");
  ERR_clear_error();
  return cms;
}

Bytes cms_der(CMS_ContentInfo* cms) {
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!i2d_CMS_bio(out.get(), cms)) ossl_fail("i2d_CMS_bio");
  return bio_bytes(out.get());
}

std::string serial_decimal(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* dec = bn ? BN_bn2dec(bn) : nullptr;
  std::string s = dec ? dec : "";
  OPENSSL_free(dec);
  BN_free(bn);
  return s;
}

std::optional<std::time_t> asn1_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || !ASN1_TIME_to_tm(t, &tm)) return std::nullopt;
  return timegm(&tm);
}

std::vector<Bytes> load_certificates(const std::string& file_or_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  if (fs::is_directory(file_or_dir)) {
    for (auto& e : fs::directory_iterator(file_or_dir)) {
      auto ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".pem" || ext == ".crt" || ext == ".cer" || ext == ".der")) files.push_back(e.path());
    }
  } else {
    files.push_back(file_or_dir);
  }
  std::vector<Bytes> out;
  for (auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + f);
    Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto bio = mem_bio(data);
    bool any = false;
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      unsigned char* der = nullptr;
      int n = i2d_X509(x, &der);
      if (n > 0) out.emplace_back(der, der + n);
      OPENSSL_free(der);
      X509_free(x);
      any = true;
    }
    if (!any) {
      const unsigned char* p = data.data();
      if (X509* x = d2i_X509(nullptr, &p, static_cast<long>(data.size()))) {
        X509_free(x);
        out.push_back(data);
      }
    }
    ERR_clear_error();
  }
  if (out.empty()) throw std::runtime_error("no certificate in " + file_or_dir);
  return out;
}

StorePtr anchor_store(const std::vector<std::string>& anchors) {
  StorePtr store(X509_STORE_new());
  for (auto& a : anchors)
    for (auto& der : load_certificates(a)) {
      auto x = parse_cert(der);
      X509_STORE_add_cert(store.get(), x.get());
    }
  return store;
}

ChainResult check_chain(X509* leaf, STACK_OF(X509) * extra, const std::vector<std::string>& anchors, std::string& error) {
  if (anchors.empty()) return ChainResult::NotChecked;
  auto store = anchor_store(anchors);
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, extra);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  ChainResult r = ChainResult::Trusted;
  if (X509_verify_cert(ctx.get()) != 1) {
    r = ChainResult::Untrusted;
    error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  ERR_clear_error();
  return r;
}

}  // namespace akis::sign
