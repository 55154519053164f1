// SPDX-License-Identifier: LGPL-2.1-or-later
// XAdES-BES enveloped signing: the ds:Signature template (xmlsec's templates), xades:QualifyingProperties with
// SigningTime, SigningCertificate (SHA-256 of the certificate, issuer and serial) and DataObjectFormat; xmlsec
// digests the references and canonicalises SignedInfo, the card signs it. (xmlSecDSigCtxSign cannot take the
// card's key: its ECDSA code asks the key for its group order through OpenSSL 3's provider parameters, which
// a key with an EC_KEY_METHOD does not answer.)
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <ctime>

#include "akis/sign/xades.hpp"
#include "ossl_util.hpp"
#include "p11_session.hpp"
#include "xml_util.hpp"

namespace akis::sign {

namespace {

using xml::x;
constexpr const char* kDsNs = "http://www.w3.org/2000/09/xmldsig#";

struct DsigCtxFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};
struct RefCtxFree {
  void operator()(xmlSecDSigReferenceCtx* c) const { xmlSecDSigReferenceCtxDestroy(c); }
};
struct TransformCtxFree {
  void operator()(xmlSecTransformCtx* c) const { xmlSecTransformCtxDestroy(c); }
};

std::string random_id() {
  unsigned char r[8];
  if (RAND_bytes(r, sizeof r) != 1) ossl_fail("RAND_bytes");
  return to_hex(Bytes(r, r + sizeof r));
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string issuer_name(X509* cert) {
  BioPtr b(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(b.get(), X509_get_issuer_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  Bytes s = bio_bytes(b.get());
  return std::string(s.begin(), s.end());
}

// Where the signature goes: the first (empty) ext:ExtensionContent of a UBL document, else the root element.
xmlNode* signature_parent(xmlDoc* doc) {
  xmlNode* root = xmlDocGetRootElement(doc);
  for (xmlNode* exts : xml::children(root, kUblExtNs, "UBLExtensions"))
    for (xmlNode* ext : xml::children(exts, kUblExtNs, "UBLExtension"))
      if (xmlNode* content = xml::child(ext, kUblExtNs, "ExtensionContent")) return content;
  return root;
}

xmlNode* add(xmlNode* parent, xmlNs* ns, const char* name, const std::string& content = {}) {
  xmlNode* n = content.empty() ? xmlNewChild(parent, ns, x(name), nullptr)
                               : xmlNewTextChild(parent, ns, x(name), x(content.c_str()));
  if (!n) throw std::runtime_error(std::string("cannot create ") + name);
  return n;
}

// ds:Object/xades:QualifyingProperties/xades:SignedProperties, its Id registered for the reference to it.
void add_qualifying_properties(xmlDoc* doc, xmlNode* sig, X509* cert, ByteView cert_der, const std::string& suffix) {
  xmlNode* object = xmlSecTmplSignatureAddObject(sig, nullptr, nullptr, nullptr);
  if (!object) throw std::runtime_error("cannot create ds:Object");
  xmlNs* ds = xmlSearchNsByHref(doc, sig, x(kDsNs));
  xmlNode* qp = add(object, nullptr, "QualifyingProperties");
  xmlNs* xa = xmlNewNs(qp, x(kXadesNs), x("xades"));
  xmlSetNs(qp, xa);
  xmlSetProp(qp, x("Target"), x(("#Signature-" + suffix).c_str()));
  xmlNode* sp = add(qp, xa, "SignedProperties");
  const std::string sp_id = "SignedProperties-" + suffix;
  xmlAttr* id = xmlSetProp(sp, x("Id"), x(sp_id.c_str()));
  if (!id || !xmlAddID(nullptr, doc, x(sp_id.c_str()), id)) throw std::runtime_error("cannot register the Id");
  xmlNode* ssp = add(sp, xa, "SignedSignatureProperties");
  add(ssp, xa, "SigningTime", utc_now());
  xmlNode* c = add(add(ssp, xa, "SigningCertificate"), xa, "Cert");
  xmlNode* cd = add(c, xa, "CertDigest");
  xmlSetProp(add(cd, ds, "DigestMethod"), x("Algorithm"), xmlSecHrefSha256);
  add(cd, ds, "DigestValue", xml::base64(xml::digest(reinterpret_cast<const char*>(xmlSecHrefSha256), cert_der)));
  xmlNode* is = add(c, xa, "IssuerSerial");
  add(is, ds, "X509IssuerName", issuer_name(cert));
  const std::string serial = serial_decimal(cert);
  if (serial.empty()) ossl_fail("the certificate's serial number");
  add(is, ds, "X509SerialNumber", serial);
  xmlNode* dof = add(add(sp, xa, "SignedDataObjectProperties"), xa, "DataObjectFormat");
  xmlSetProp(dof, x("ObjectReference"), x(("#Reference-" + suffix).c_str()));
  add(dof, xa, "MimeType", "text/xml");
}

// ds:KeyInfo/X509Data with the certificate (and the chain), before ds:Object as the schema orders them. Not
// covered by the signature: XAdES protects the signer's certificate through SigningCertificate instead.
void add_key_info(xmlDoc* doc, xmlNode* sig, ByteView cert_der, const std::vector<Bytes>& chain) {
  xmlNs* ds = xmlSearchNsByHref(doc, sig, x(kDsNs));
  xmlNode* ki = xmlNewNode(ds, x("KeyInfo"));
  xmlNode* object = xml::child(sig, kDsNs, "Object");
  if (!ki || !object || !xmlAddPrevSibling(object, ki)) {
    xmlFreeNode(ki);
    throw std::runtime_error("cannot create ds:KeyInfo");
  }
  xmlNode* data = add(ki, ds, "X509Data");
  add(data, ds, "X509Certificate", xml::base64(cert_der));
  for (auto& der : chain) add(data, ds, "X509Certificate", xml::base64(der));
}

// The DigestValue of every ds:Reference, computed and written by xmlsec (same-document URIs only).
void compute_references(xmlNode* sig) {
  std::unique_ptr<xmlSecDSigCtx, DsigCtxFree> ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) throw std::runtime_error("xmlSecDSigCtxCreate failed");
  ctx->operation = xmlSecTransformOperationSign;
  ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument);
  for (xmlNode* ref : xml::children(xml::child(sig, kDsNs, "SignedInfo"), kDsNs, "Reference")) {
    std::unique_ptr<xmlSecDSigReferenceCtx, RefCtxFree> r(
        xmlSecDSigReferenceCtxCreate(ctx.get(), xmlSecDSigReferenceOriginSignedInfo));
    if (!r || xmlSecDSigReferenceCtxProcessNode(r.get(), ref) < 0 || r->status != xmlSecDSigStatusSucceeded)
      throw std::runtime_error("cannot digest the reference " + xml::attr(ref, "URI") + ": " + xml::last_errors());
  }
}

// SignedInfo canonicalised by xmlsec's transform, signed by the card (EVP_DigestSign through the Token's key:
// one C_Sign), written as SignatureValue; ECDSA's DER signature becomes XMLDSig's r||s.
void sign_signed_info(EVP_PKEY* key, bool ec, xmlNode* signed_info, xmlSecTransformId c14n) {
  std::unique_ptr<xmlSecTransformCtx, TransformCtxFree> t(xmlSecTransformCtxCreate());
  xmlSecNodeSetPtr nodes = xmlSecNodeSetGetChildren(signed_info->doc, signed_info, 1, 0);
  int rc = t && nodes && xmlSecTransformCtxCreateAndAppend(t.get(), c14n) ? xmlSecTransformCtxXmlExecute(t.get(), nodes) : -1;
  if (nodes) xmlSecNodeSetDestroy(nodes);
  if (rc < 0 || !t->result) throw std::runtime_error("cannot canonicalise SignedInfo: " + xml::last_errors());
  ByteView c14n_bytes(xmlSecBufferGetData(t->result), xmlSecBufferGetSize(t->result));

  std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
  std::size_t n = 0;
  Bytes der;
  if (md && EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(md.get(), nullptr, &n, c14n_bytes.data(), c14n_bytes.size()) == 1) {
    der.resize(n);
    if (EVP_DigestSign(md.get(), der.data(), &n, c14n_bytes.data(), c14n_bytes.size()) != 1) der.clear();
    der.resize(der.empty() ? 0 : n);
  }
  if (der.empty()) {
    if (auto e = take_sign_error()) {
      ERR_clear_error();
      throw *e;
    }
    ossl_fail("signing SignedInfo");
  }
  Bytes value = der;
  if (ec) {
    const unsigned char* p = der.data();
    std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>> s(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    const int half = (EVP_PKEY_get_bits(key) + 7) / 8;
    value.assign(2 * static_cast<std::size_t>(half), 0);
    if (!s || BN_bn2binpad(ECDSA_SIG_get0_r(s.get()), value.data(), half) != half ||
        BN_bn2binpad(ECDSA_SIG_get0_s(s.get()), value.data() + half, half) != half)
      ossl_fail("the card's ECDSA signature does not parse");
  }
  xmlNode* sv = xml::child(signed_info->parent, kDsNs, "SignatureValue");
  if (!sv) throw std::runtime_error("no ds:SignatureValue");
  xmlNodeSetContent(sv, x(xml::base64(value).c_str()));
}

}  // namespace

Bytes xades_sign(EVP_PKEY* key, ByteView cert_der, ByteView in, const XadesOptions& o,
                 const std::vector<Bytes>& chain_der) {
  check_xml(in);
  auto cert = parse_cert(cert_der);
  auto doc = xml::parse(in);
  const bool ec = EVP_PKEY_get_base_id(key) == EVP_PKEY_EC;
  if (!ec && EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) throw std::runtime_error("unsupported key type (RSA and EC are)");
  const std::string suffix = random_id();
  const xmlSecTransformId c14n = o.exclusive_c14n ? xmlSecTransformExclC14NId : xmlSecTransformInclC14NId;

  xmlNode* sig = xmlSecTmplSignatureCreateNsPref(doc.get(), c14n, ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id,
                                                 x(("Signature-" + suffix).c_str()), x("ds"));
  if (!sig) throw std::runtime_error("cannot create ds:Signature: " + xml::last_errors());
  if (!xmlAddChild(signature_parent(doc.get()), sig)) {
    xmlFreeNode(sig);
    throw std::runtime_error("cannot insert ds:Signature");
  }
  xmlNode* doc_ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, x(("Reference-" + suffix).c_str()),
                                                     x(""), nullptr);
  xmlNode* sp_ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, nullptr,
                                                    x(("#SignedProperties-" + suffix).c_str()),
                                                    x("http://uri.etsi.org/01903#SignedProperties"));
  if (!doc_ref || !sp_ref || !xmlSecTmplReferenceAddTransform(doc_ref, xmlSecTransformEnvelopedId) ||
      !xmlSecTmplReferenceAddTransform(doc_ref, c14n) || !xmlSecTmplReferenceAddTransform(sp_ref, c14n))
    throw std::runtime_error("cannot create the references: " + xml::last_errors());
  add_qualifying_properties(doc.get(), sig, cert.get(), cert_der, suffix);

  compute_references(sig);
  sign_signed_info(key, ec, xml::child(sig, kDsNs, "SignedInfo"), c14n);
  add_key_info(doc.get(), sig, cert_der, chain_der);
  return xml::serialise(doc.get());
}

bool is_xml(ByteView data) {
  std::size_t i = data.size() >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF ? 3 : 0;
  while (i < data.size() && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) ++i;
  if (i >= data.size() || data[i] != '<') return false;
  try {
    xml::init();
    xml::parse(data);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

void check_xml(ByteView data) {
  xml::init();
  auto doc = xml::parse(data);
  if (!xml::descendants(xmlDocGetRootElement(doc.get()), kDsNs, "Signature").empty())
    throw std::runtime_error("the document is already signed (a second enveloped signature would break the first)");
}

}  // namespace akis::sign
