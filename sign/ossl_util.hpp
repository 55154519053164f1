// SPDX-License-Identifier: LGPL-2.1-or-later
// Small RAII and conversion helpers around OpenSSL for the signing library.
#pragma once

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "akis/bytes.hpp"
#include "akis/sign/cades.hpp"

namespace akis::sign {

template <auto F>
struct Deleter {
  template <class T>
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;

// The queued OpenSSL errors as one line (and clears the queue).
std::string ossl_errors();
[[noreturn]] void ossl_fail(const std::string& what);

BioPtr mem_bio(ByteView b);
Bytes bio_bytes(BIO* b);
X509Ptr parse_cert(ByteView der);
CmsPtr parse_cms(ByteView der);
Bytes cms_der(CMS_ContentInfo* cms);
std::optional<std::time_t> asn1_time(const ASN1_TIME* t);
// The certificate's serial number in decimal ("" when OpenSSL cannot convert it).
std::string serial_decimal(X509* cert);
// A store with every certificate of `anchors` (files or directories) as trusted.
StorePtr anchor_store(const std::vector<std::string>& anchors);
// The chain of `leaf` (with `extra` as untrusted intermediates) against `anchors`, any purpose; NotChecked when
// `anchors` is empty. `error`: OpenSSL's reason when Untrusted.
ChainResult check_chain(X509* leaf, STACK_OF(X509) * extra, const std::vector<std::string>& anchors, std::string& error);

}  // namespace akis::sign
