// SPDX-License-Identifier: LGPL-2.1-or-later
#include "xml_util.hpp"

#include <libxml/parser.h>
#include <openssl/evp.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace akis::sign::xml {

namespace {

thread_local std::string collected;

// The first (innermost) error of an operation says why; the ones after it are the callers giving up.
void on_error(const char*, int, const char* func, const char* object, const char* subject, int reason,
              const char* message) {
  if (!collected.empty()) return;
  const char* r = nullptr;
  for (xmlSecSize i = 0; xmlSecErrorsGetMsg(i); ++i)
    if (xmlSecErrorsGetCode(i) == reason) r = xmlSecErrorsGetMsg(i);
  collected = std::string(func ? func : "?") + ": " + (r ? r : "error");
  if (subject && std::strcmp(subject, "unknown") != 0) collected += std::string(" (") + subject + ")";
  if (object && std::strcmp(object, "unknown") != 0) collected += std::string(" [") + object + "]";
  if (message && *message && std::strcmp(message, " ") != 0) collected += std::string(": ") + message;
}

}  // namespace

void init() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    xmlInitParser();
    ok = xmlSecInit() >= 0 && xmlSecCheckVersion() == 1 && xmlSecCryptoAppInit(nullptr) >= 0 && xmlSecCryptoInit() >= 0;
    xmlSecErrorsSetCallback(on_error);  // after xmlSecInit, which installs the default (printing) one
  });
  if (!ok) throw std::runtime_error("libxmlsec1 could not be initialised: " + last_errors());
}

std::string last_errors() {
  std::string e = std::move(collected);
  collected.clear();
  return e;
}

DocPtr parse(ByteView in) {
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  DocPtr doc(xmlReadMemory(reinterpret_cast<const char*>(in.data()), static_cast<int>(in.size()), "document.xml",
                           nullptr, options));
  if (!doc || !xmlDocGetRootElement(doc.get())) {
    const xmlError* e = xmlGetLastError();
    std::string why = e && e->message ? e->message : "not well-formed";
    while (!why.empty() && why.back() == '\n') why.pop_back();
    xmlResetLastError();
    throw std::runtime_error("not a well-formed XML document: " + why);
  }
  if (doc->intSubset || doc->extSubset) throw std::runtime_error("XML documents with a DTD are not supported");
  return doc;
}

Bytes serialise(xmlDoc* doc) {
  xmlChar* buf = nullptr;
  int n = 0;
  xmlDocDumpMemoryEnc(doc, &buf, &n, doc->encoding ? reinterpret_cast<const char*>(doc->encoding) : "UTF-8");
  if (!buf || n <= 0) throw std::runtime_error("the signed XML document could not be written");
  Bytes out(buf, buf + n);
  xmlFree(buf);
  return out;
}

const xmlChar* x(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

bool is(const xmlNode* n, const char* ns, const char* name) {
  return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, x(name)) && n->ns && xmlStrEqual(n->ns->href, x(ns));
}

std::vector<xmlNode*> children(xmlNode* parent, const char* ns, const char* name) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = parent ? parent->children : nullptr; c; c = c->next)
    if (is(c, ns, name)) out.push_back(c);
  return out;
}

xmlNode* child(xmlNode* parent, const char* ns, const char* name) {
  for (xmlNode* c = parent ? parent->children : nullptr; c; c = c->next)
    if (is(c, ns, name)) return c;
  return nullptr;
}

std::vector<xmlNode*> descendants(xmlNode* top, const char* ns, const char* name) {
  std::vector<xmlNode*> out;
  // Iterative walk: a deeply nested hostile document must not exhaust the stack.
  for (xmlNode* n = top; n;) {
    if (is(n, ns, name)) out.push_back(n);
    if (n->type == XML_ELEMENT_NODE && n->children) {
      n = n->children;
      continue;
    }
    while (n && n != top && !n->next) n = n->parent;
    if (!n || n == top) break;
    n = n->next;
  }
  return out;
}

std::string attr(xmlNode* n, const char* name) {
  xmlChar* v = xmlGetNoNsProp(n, x(name));
  std::string s = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return s;
}

std::string text(xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  std::string s = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return s;
}

std::string base64(ByteView b) {
  std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(), static_cast<int>(b.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Bytes unbase64(const std::string& s) {
  std::string clean;
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
  if (clean.empty() || clean.size() % 4) throw std::runtime_error("malformed base64");
  Bytes out(clean.size() / 4 * 3);
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) throw std::runtime_error("malformed base64");
  std::size_t pad = clean.back() == '=' ? (clean[clean.size() - 2] == '=' ? 2 : 1) : 0;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

Bytes digest(const std::string& uri, ByteView data) {
  const EVP_MD* md = uri == "http://www.w3.org/2001/04/xmlenc#sha256"        ? EVP_sha256()
                     : uri == "http://www.w3.org/2001/04/xmldsig-more#sha384" ? EVP_sha384()
                     : uri == "http://www.w3.org/2001/04/xmlenc#sha512"       ? EVP_sha512()
                     : uri == "http://www.w3.org/2000/09/xmldsig#sha1"        ? EVP_sha1()
                                                                              : nullptr;
  if (!md) return {};
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  if (!EVP_Digest(data.data(), data.size(), out.data(), &n, md, nullptr)) return {};
  out.resize(n);
  return out;
}

}  // namespace akis::sign::xml
