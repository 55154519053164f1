// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading names out of X.509 certificates (OpenSSL), shared by the PKCS#11 module and the tools.
#pragma once

#include <string>

typedef struct X509_name_st X509_NAME;

namespace akis {

// The first entry of `nid` (NID_commonName, NID_organizationName, NID_serialNumber) in UTF-8; empty if none.
std::string x509_name_entry(X509_NAME* name, int nid);

}  // namespace akis
