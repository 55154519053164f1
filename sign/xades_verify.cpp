// SPDX-License-Identifier: LGPL-2.1-or-later
// XAdES-BES verification: xmlSecDSigCtxVerify with the key of the signer's certificate from ds:KeyInfo (only
// same-document references), then what XMLDSig alone does not say: that one reference is the whole document
// (enveloped) and one is this signature's own SignedProperties, that SigningCertificate names the certificate
// that verified, the SigningTime, and the chain against the anchors.
#include <openssl/bn.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <cstdio>
#include <ctime>

#include "akis/sign/xades.hpp"
#include "ossl_util.hpp"
#include "xml_util.hpp"

namespace akis::sign {

namespace {

using xml::x;
constexpr const char* kDsNs = "http://www.w3.org/2000/09/xmldsig#";

struct DsigCtxFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};

// xs:dateTime: YYYY-MM-DDThh:mm:ss[.fff][Z|+hh:mm|-hh:mm] (no zone: UTC).
std::optional<std::time_t> parse_datetime(const std::string& s) {
  std::tm tm{};
  int used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &used) != 6 || used != 19)
    return std::nullopt;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9';) ++i;
  long offset = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int h = 0, m = 0;
    if (s.size() != i + 6 || std::sscanf(s.c_str() + i + 1, "%2d:%2d", &h, &m) != 2) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (h * 3600L + m * 60L);
  } else if (i < s.size() && !(s[i] == 'Z' && i + 1 == s.size())) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm) - offset;
}

// This signature's xades:SignedProperties (ds:Object/xades:QualifyingProperties/xades:SignedProperties).
xmlNode* signed_properties(xmlNode* sig) {
  for (xmlNode* object : xml::children(sig, kDsNs, "Object"))
    for (xmlNode* qp : xml::children(object, kXadesNs, "QualifyingProperties"))
      if (xmlNode* sp = xml::child(qp, kXadesNs, "SignedProperties")) return sp;
  return nullptr;
}

// SigningCertificate (or V2): one Cert whose CertDigest is the digest of `der` (and, in v1, whose serial is the
// certificate's). Returns the reason when it does not.
std::string check_signing_certificate(xmlNode* ssp, X509* cert, ByteView der) {
  xmlNode* sc = xml::child(ssp, kXadesNs, "SigningCertificate");
  if (!sc) sc = xml::child(ssp, kXadesNs, "SigningCertificateV2");
  if (!sc) return "no SigningCertificate in SignedProperties (not XAdES-BES)";
  for (xmlNode* c : xml::children(sc, kXadesNs, "Cert")) {
    xmlNode* cd = xml::child(c, kXadesNs, "CertDigest");
    Bytes want = xml::digest(xml::attr(xml::child(cd, kDsNs, "DigestMethod"), "Algorithm"), der);
    Bytes have;
    try {
      have = xml::unbase64(xml::text(xml::child(cd, kDsNs, "DigestValue")));
    } catch (const std::runtime_error&) {
      continue;
    }
    if (want.empty() || want != have) continue;
    xmlNode* serial = xml::child(xml::child(c, kXadesNs, "IssuerSerial"), kDsNs, "X509SerialNumber");
    if (serial && xml::text(serial) != serial_decimal(cert)) return "SigningCertificate names another serial number";
    return {};
  }
  return "SigningCertificate does not name the certificate in KeyInfo";
}

// The references of the verified SignedInfo: the whole document through the enveloped-signature transform,
// and this signature's SignedProperties.
std::string check_references(xmlNode* sig, const std::string& sp_id) {
  bool document = false, properties = false;
  for (xmlNode* ref : xml::children(xml::child(sig, kDsNs, "SignedInfo"), kDsNs, "Reference")) {
    xmlAttr* uri = xmlHasProp(ref, x("URI"));
    std::string u = xml::attr(ref, "URI");
    if (uri && u.empty()) {
      for (xmlNode* t : xml::children(xml::child(ref, kDsNs, "Transforms"), kDsNs, "Transform"))
        if (xml::attr(t, "Algorithm") == reinterpret_cast<const char*>(xmlSecHrefEnveloped)) document = true;
    } else if (!sp_id.empty() && u == "#" + sp_id) {
      properties = true;
    }
  }
  if (!document) return "no reference covers the whole document (URI=\"\" with the enveloped-signature transform)";
  if (!properties) return "no reference covers this signature's SignedProperties";
  return {};
}

// Which reference failed, in words.
std::string failed_reference(xmlSecDSigCtx* ctx, const std::string& sp_id) {
  for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&ctx->signedInfoReferences); ++i) {
    auto* r = static_cast<xmlSecDSigReferenceCtx*>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
    if (!r || r->status == xmlSecDSigStatusSucceeded) continue;
    std::string uri = r->uri ? reinterpret_cast<const char*>(r->uri) : "";
    if (uri.empty()) return "the document was changed after signing (its digest does not match)";
    if (uri == "#" + sp_id) return "the signed properties (signing time, certificate) were changed";
    return "the digest of reference " + uri + " does not match";
  }
  return "the signature value does not match the SignedInfo";
}

void verify_signature(Verification& v, xmlDoc* doc, xmlNode* sig, X509* cert) {
  xmlNode* sp = signed_properties(sig);
  std::string sp_id = sp ? xml::attr(sp, "Id") : "";
  // The Id attributes inside this signature (SignedProperties; KeyInfo, which other signers also reference)
  // become XML IDs for the same-document references; nothing outside the signature is registered.
  const xmlChar* ids[] = {x("Id"), nullptr};
  xmlSecAddIDs(doc, sig, ids);
  xml::last_errors();
  if (xmlAttr* found = sp_id.empty() ? nullptr : xmlGetID(doc, x(sp_id.c_str())); !sp_id.empty() && (!found || found->parent != sp)) {
    v.error = "the Id of SignedProperties is not unique in the document";
    return;
  }
  std::unique_ptr<xmlSecDSigCtx, DsigCtxFree> ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) throw std::runtime_error("xmlSecDSigCtxCreate failed");
  ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument);
  ctx->signKey = xmlSecKeyCreate();
  EVP_PKEY* pub = X509_get_pubkey(cert);
  xmlSecKeyDataPtr data = pub ? xmlSecOpenSSLEvpKeyAdopt(pub) : nullptr;
  if (!data) EVP_PKEY_free(pub);
  if (!ctx->signKey || !data || xmlSecKeySetValue(ctx->signKey, data) < 0) {
    if (data) xmlSecKeyDataDestroy(data);
    v.error = "the certificate's key cannot be used: " + xml::last_errors();
    return;
  }
  if (xmlSecDSigCtxVerify(ctx.get(), sig) < 0) {
    v.error = "the signature cannot be processed: " + xml::last_errors();
  } else if (ctx->status != xmlSecDSigStatusSucceeded) {
    v.error = failed_reference(ctx.get(), sp_id);
  } else if (!sp) {
    v.error = "no xades:SignedProperties (an XMLDSig signature, not XAdES)";
  } else if (std::string e = check_references(sig, sp_id); !e.empty()) {
    v.error = e;
  } else {
    v.signature_valid = true;
  }
  xml::last_errors();
  ERR_clear_error();
  if (!sp) return;
  xmlNode* ssp = xml::child(sp, kXadesNs, "SignedSignatureProperties");
  if (xmlNode* t = xml::child(ssp, kXadesNs, "SigningTime")) v.signing_time = parse_datetime(xml::text(t));
  std::string e = check_signing_certificate(ssp, cert, v.signer_cert);
  v.has_signing_cert_v2 = e.empty();
  if (!e.empty() && v.signature_valid) {
    v.signature_valid = false;
    v.error = e;
  }
}

}  // namespace

Verification xades_verify(ByteView in, const std::vector<std::string>& anchors) {
  xml::init();
  auto doc = xml::parse(in);
  auto sigs = xml::descendants(xmlDocGetRootElement(doc.get()), kDsNs, "Signature");
  if (sigs.empty()) throw std::runtime_error("the XML document has no ds:Signature");
  Verification v;
  if (sigs.size() > 1) {
    v.error = "the document holds " + std::to_string(sigs.size()) + " signatures; one is expected";
    return v;
  }
  xmlNode* sig = sigs.front();
  std::vector<Bytes> certs;
  for (xmlNode* data : xml::children(xml::child(sig, kDsNs, "KeyInfo"), kDsNs, "X509Data"))
    for (xmlNode* c : xml::children(data, kDsNs, "X509Certificate")) {
      try {
        certs.push_back(xml::unbase64(xml::text(c)));
      } catch (const std::runtime_error&) {
      }
    }
  X509Ptr cert;
  if (!certs.empty()) {
    const unsigned char* p = certs.front().data();
    cert.reset(d2i_X509(nullptr, &p, static_cast<long>(certs.front().size())));
    ERR_clear_error();
  }
  if (!cert) {
    v.error = "no readable certificate in ds:KeyInfo";
    v.chain = anchors.empty() ? ChainResult::NotChecked : ChainResult::Untrusted;
    v.chain_error = "the signer's certificate is not in the signature";
    return v;
  }
  v.signer_cert = certs.front();
  verify_signature(v, doc.get(), sig, cert.get());
  struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
  };
  std::unique_ptr<STACK_OF(X509), StackFree> extra(sk_X509_new_null());
  std::vector<X509Ptr> owned;
  for (std::size_t i = 1; i < certs.size(); ++i) {
    const unsigned char* p = certs[i].data();
    if (X509* c = d2i_X509(nullptr, &p, static_cast<long>(certs[i].size()))) {
      owned.emplace_back(c);
      sk_X509_push(extra.get(), c);
    }
  }
  ERR_clear_error();
  v.chain = check_chain(cert.get(), extra.get(), anchors, v.chain_error);
  return v;
}

}  // namespace akis::sign
