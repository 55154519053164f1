// SPDX-License-Identifier: LGPL-2.1-or-later
// XAdES-BES (ETSI EN 319 132-1 baseline B, XAdES v1.3.2 namespace as UBL-TR uses it) enveloped signatures of
// XML documents with libxmlsec1 (OpenSSL back end): canonicalisation, the two references (the document with
// the enveloped-signature transform, and xades:SignedProperties with SigningTime and SigningCertificate) and
// verification. The SignedInfo is signed by the card through the Token's EVP_PKEY (RSA: rsa-sha256; EC:
// ecdsa-sha256 with the signature value as r||s). In a UBL-TR document (e-Fatura, e-Arşiv, e-Defter) the
// signature goes into ext:UBLExtensions/ext:UBLExtension/ext:ExtensionContent; elsewhere it is the last child
// of the root element.
#pragma once

#include <string>
#include <vector>

#include "akis/bytes.hpp"
#include "akis/sign/cades.hpp"  // Verification, ChainResult

typedef struct evp_pkey_st EVP_PKEY;

namespace akis::sign {

inline constexpr const char* kXadesNs = "http://uri.etsi.org/01903/v1.3.2#";
inline constexpr const char* kUblExtNs = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2";

struct XadesOptions {
  bool exclusive_c14n = false;  // Exclusive XML Canonicalization 1.0; false: Canonical XML 1.0 (as GİB's samples)
};

// True when `data` is a well-formed XML document (an optional BOM and whitespace, then '<').
bool is_xml(ByteView data);
// Throws std::runtime_error with the reason when `data` is not an XML document xades_sign accepts (well-formed,
// no DTD, not signed yet).
void check_xml(ByteView data);

// Returns the signed document (the input re-serialised by libxml2 in its own encoding, with ds:Signature
// inserted). `chain_der`: extra certificates for ds:KeyInfo (the issuing CA). Throws std::runtime_error
// (TokenError when the card refused).
Bytes xades_sign(EVP_PKEY* key, ByteView cert_der, ByteView xml, const XadesOptions& o = {},
                 const std::vector<Bytes>& chain_der = {});

// Verifies the (single) enveloped XAdES signature of `xml`: the signature value with the key of the first
// ds:X509Certificate, both references (whole document minus the signature; this signature's SignedProperties),
// the SigningCertificate digest and issuer serial against that certificate, and the chain against `anchors`
// (empty: not checked). Only same-document references are followed. Never throws for a bad signature; throws
// std::runtime_error when the input is not XML or holds no ds:Signature.
Verification xades_verify(ByteView xml, const std::vector<std::string>& anchors);

}  // namespace akis::sign
