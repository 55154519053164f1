// SPDX-License-Identifier: LGPL-2.1-or-later
// E-Onay: the holder's signed agreement to the service's commitment text. The one place for the text (both
// languages, versioned) and for the checks a signature over it must pass before it is recorded.
#pragma once

#include <string>

#include "akis/bytes.hpp"

namespace akis::unlockd {

struct EonayText {
  std::string version;  // changes with any change of the wording
  std::string tr, en;
};
const EonayText& eonay_text();
// The exact bytes the holder signs (UTF-8): a version line, the Turkish text, the English text.
std::string eonay_document();

// The result of checking a CMS signature (DER) over the document. `error` empty: accepted.
struct EonayCheck {
  std::string error;    // stable code: signature_invalid, text_mismatch, certificate_expired, certificate_untrusted,
                        // wrong_signer
  std::string message;  // English, for logs and humans
  std::string cert_serial, cert_fingerprint;  // hex (SHA-256 of the DER)
};
// `ca_file`: the trusted CA certificates (PEM/DER file or directory); `national_id`: the account's T.C. Kimlik No,
// which must equal the signer certificate's subject serialNumber.
EonayCheck check_eonay_signature(ByteView cms_der, const std::string& ca_file, const std::string& national_id);

}  // namespace akis::unlockd
