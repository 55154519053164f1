// SPDX-License-Identifier: LGPL-2.1-or-later
// PAdES baseline B (ETSI EN 319 142-1) with podofo 0.9.8: an incremental update that adds a signature field and
// a signature dictionary (/Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached) whose /Contents is a detached
// CAdES over the /ByteRange. Invisible, or visible with an appearance stream. Optional RFC 3161 timestamp (PAdES-T).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace akis::sign {

// A visible signature: a framed box with `lines` (for example the signer and the date) on page `page` (from 1),
// at x,y (the lower left corner, PDF points from the page's lower left corner) of size w x h.
struct VisibleSignature {
  int page = 1;
  double x = 0, y = 0, w = 0, h = 0;
  std::vector<std::string> lines;
};

struct PadesOptions {
  std::string tsa_url;
  std::optional<VisibleSignature> visible;  // nullopt: invisible (a zero-size widget on the first page)
};

// Returns the whole signed PDF (the original bytes followed by the update). Throws std::invalid_argument when
// the visible box is not on a page of the document, std::runtime_error otherwise.
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
