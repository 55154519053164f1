// SPDX-License-Identifier: LGPL-2.1-or-later
// libxml2 / libxmlsec1 helpers shared by XAdES signing and verification: one-time initialisation, parsing with
// the network and DTDs refused, errors collected instead of printed, element lookup, base64 and digests.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <vector>

#include "akis/bytes.hpp"

namespace akis::sign::xml {

// xmlSecInit + the OpenSSL back end, once per process; xmlsec's and libxml2's messages go to last_errors().
void init();
// The messages collected on this thread since the last call (and clears them).
std::string last_errors();

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Parses a whole document; whitespace kept, no network, no entity substitution, and a document with a DTD is
// refused (UBL-TR has none; no entity expansion games). Throws std::runtime_error.
DocPtr parse(ByteView xml);
// The document serialised in its declared encoding (UTF-8 when none is declared).
Bytes serialise(xmlDoc* doc);

const xmlChar* x(const char* s);
bool is(const xmlNode* n, const char* ns, const char* name);
// Element children of `parent` named ns:name.
std::vector<xmlNode*> children(xmlNode* parent, const char* ns, const char* name);
xmlNode* child(xmlNode* parent, const char* ns, const char* name);  // the first one, or nullptr
// Every element named ns:name below `top` (document order, `top` included).
std::vector<xmlNode*> descendants(xmlNode* top, const char* ns, const char* name);
std::string attr(xmlNode* n, const char* name);
std::string text(xmlNode* n);

std::string base64(ByteView b);
Bytes unbase64(const std::string& s);  // whitespace ignored; throws on bad input
// Digest of `data` with the XMLDSig algorithm URI (sha1, sha256, sha384, sha512); empty if unknown.
Bytes digest(const std::string& algorithm_uri, ByteView data);

}  // namespace akis::sign::xml
