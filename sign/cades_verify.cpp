// SPDX-License-Identifier: LGPL-2.1-or-later
// Verification of CMS/CAdES signatures: the signature and digest (CMS_verify without the chain), the chain
// against the given anchors on its own (so a bad chain and a changed document are told apart), the signed
// attributes, and an RFC 3161 timestamp over the signature value.
#include <openssl/sha.h>
#include <openssl/ts.h>

#include "akis/sign/cades.hpp"
#include "ossl_util.hpp"

namespace akis::sign {

namespace {

const ASN1_TYPE* attr_value(CMS_SignerInfo* si, int nid, bool signed_attr) {
  int i = signed_attr ? CMS_signed_get_attr_by_NID(si, nid, -1) : CMS_unsigned_get_attr_by_NID(si, nid, -1);
  if (i < 0) return nullptr;
  X509_ATTRIBUTE* a = signed_attr ? CMS_signed_get_attr(si, i) : CMS_unsigned_get_attr(si, i);
  return X509_ATTRIBUTE_get0_type(a, 0);
}

void check_timestamp(Verification& v, CMS_SignerInfo* si, const std::vector<std::string>& anchors) {
  const ASN1_TYPE* t = attr_value(si, NID_id_smime_aa_timeStampToken, false);
  if (!t) return;
  v.has_timestamp = true;
  if (t->type != V_ASN1_SEQUENCE) {
    v.timestamp_error = "malformed timestamp attribute";
    return;
  }
  const unsigned char* p = t->value.sequence->data;
  std::unique_ptr<PKCS7, Deleter<PKCS7_free>> token(d2i_PKCS7(nullptr, &p, t->value.sequence->length));
  std::unique_ptr<TS_TST_INFO, Deleter<TS_TST_INFO_free>> info(token ? PKCS7_to_TS_TST_INFO(token.get()) : nullptr);
  if (!info) {
    v.timestamp_error = "malformed timestamp token";
    ERR_clear_error();
    return;
  }
  v.timestamp_time = asn1_time(TS_TST_INFO_get_time(info.get()));
  ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(sig->data, static_cast<std::size_t>(sig->length), md);
  std::unique_ptr<TS_VERIFY_CTX, Deleter<TS_VERIFY_CTX_free>> ctx(TS_VERIFY_CTX_new());
  int flags = TS_VFY_VERSION | TS_VFY_IMPRINT;
  unsigned char* imprint = static_cast<unsigned char*>(OPENSSL_memdup(md, sizeof md));
  TS_VERIFY_CTX_set_imprint(ctx.get(), imprint, sizeof md);
  if (!anchors.empty()) {
    flags |= TS_VFY_SIGNATURE;
    TS_VERIFY_CTX_set_store(ctx.get(), anchor_store(anchors).release());
  } else if (STACK_OF(X509)* own = PKCS7_type_is_signed(token.get()) ? token->d.sign->cert : nullptr;
             own && sk_X509_num(own) > 0) {
    // No anchors: the TSA's signature is still checked, with the certificate the token carries taken as trusted
    // (a partial chain), so a changed token never shows as valid; whose TSA it is stays unchecked.
    StorePtr store(X509_STORE_new());
    for (int i = 0; i < sk_X509_num(own); ++i) X509_STORE_add_cert(store.get(), sk_X509_value(own, i));
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
    flags |= TS_VFY_SIGNATURE;
    TS_VERIFY_CTX_set_store(ctx.get(), store.release());
  }
  TS_VERIFY_CTX_set_flags(ctx.get(), flags);
  v.timestamp_valid = TS_RESP_verify_token(ctx.get(), token.get()) == 1;
  if (!v.timestamp_valid) v.timestamp_error = ossl_errors();
  ERR_clear_error();
}

}  // namespace

Verification cades_verify(ByteView der, const std::optional<Bytes>& detached, const std::vector<std::string>& anchors) {
  Verification v;
  auto cms = parse_cms(der);
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) throw std::runtime_error("not a CMS SignedData");
  auto* sis = CMS_get0_SignerInfos(cms.get());
  if (!sis || sk_CMS_SignerInfo_num(sis) != 1) throw std::runtime_error("expected exactly one signer");
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
  CMS_set1_signers_certs(cms.get(), nullptr, 0);
  ERR_clear_error();
  X509* signer = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, &signer, nullptr, nullptr);
  if (signer) {
    unsigned char* p = nullptr;
    int n = i2d_X509(signer, &p);
    if (n > 0) v.signer_cert.assign(p, p + n);
    OPENSSL_free(p);
  }
  if (const ASN1_TYPE* t = attr_value(si, NID_pkcs9_signingTime, true);
      t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME))
    v.signing_time = asn1_time(t->value.utctime);
  v.has_signing_cert_v2 = attr_value(si, NID_id_smime_aa_signingCertificateV2, true) != nullptr;

  bool is_detached = CMS_is_detached(cms.get()) == 1;
  if (is_detached && !detached) {
    v.error = "detached signature: the signed data is needed (--data)";
  } else {
    BioPtr data = detached && is_detached ? mem_bio(*detached) : nullptr;
    BioPtr out(BIO_new(BIO_s_mem()));
    // The chain is checked on its own below; here: the signature, the digest and the ESS certificate ids.
    v.signature_valid = CMS_verify(cms.get(), nullptr, nullptr, data.get(), out.get(),
                                   CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) == 1;
    if (!v.signature_valid) v.error = ossl_errors();
    v.content = is_detached ? *detached : bio_bytes(out.get());
    ERR_clear_error();
  }
  if (signer) {
    STACK_OF(X509)* certs = CMS_get1_certs(cms.get());
    v.chain = check_chain(signer, certs, anchors, v.chain_error);
    sk_X509_pop_free(certs, X509_free);
  } else {
    v.chain = anchors.empty() ? ChainResult::NotChecked : ChainResult::Untrusted;
    v.chain_error = "the signer's certificate is not in the signature";
  }
  check_timestamp(v, si, anchors);
  return v;
}

}  // namespace akis::sign
