// SPDX-License-Identifier: LGPL-2.1-or-later
// PAdES baseline B (ETSI EN 319 142-1) with podofo 0.9.8: an incremental update that adds a signature field and
// a signature dictionary (/Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached) whose /Contents is a detached
// CAdES over the /ByteRange. Invisible signature. Optional RFC 3161 timestamp (PAdES-T).
#pragma once

#include <string>

#include "akis/bytes.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace akis::sign {

struct PadesOptions {
  std::string tsa_url;
};

// Returns the whole signed PDF (the original bytes followed by the update). Throws std::runtime_error.
Bytes pades_sign(EVP_PKEY* key, ByteView cert_der, ByteView pdf, const PadesOptions& o = {});

struct PdfSignature {
  Bytes cms;              // the /Contents (trailing zero padding removed)
  Bytes signed_bytes;     // the two byte ranges, concatenated
  bool covers_whole_file = false;  // the second range ends at the end of the file
  std::string sub_filter;
};
// The last signature of a PDF. Throws std::runtime_error when there is none.
PdfSignature pades_extract(ByteView pdf);

}  // namespace akis::sign
