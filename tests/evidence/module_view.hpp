// SPDX-License-Identifier: LGPL-2.1-or-later
// The PKCS#11 module's view of a card without its personal attributes, live or replayed from a recording: what a
// sanitised recording must keep (tests/evidence: sanitise_test, module_record_test).
#pragma once

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "akis/recording.hpp"
#include "p11_fixture.hpp"
#include "replay_backend.hpp"

namespace akis::test {

struct Cert {
  std::string subject;
  Bytes spki;
  bool ca = false;
};
inline Cert cert_of(const Bytes& der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!x) return {};
  Cert c;
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf);
  c.subject = buf;
  c.ca = X509_check_ca(x) > 0;
  unsigned char* k = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &k);
  c.spki.assign(k, k + n);
  OPENSSL_free(k);
  X509_free(x);
  return c;
}

// The module's view without the personal attributes: classes, key types, IDs, public keys, flags; certificates
// by length and public key; token flags and mechanisms.
class ModuleView : public P11 {
 protected:
  std::string shape(const char* reader, std::vector<Bytes>* cert_values = nullptr) {
    std::ostringstream s;
    CK_TOKEN_INFO ti;
    EXPECT_EQ(f->C_GetTokenInfo(slot_of(reader), &ti), CKR_OK);
    s << "flags " << ti.flags << "\nmechanisms";
    CK_ULONG n = 0;
    EXPECT_EQ(f->C_GetMechanismList(slot_of(reader), nullptr, &n), CKR_OK);
    std::vector<CK_MECHANISM_TYPE> mechs(n);
    EXPECT_EQ(f->C_GetMechanismList(slot_of(reader), mechs.data(), &n), CKR_OK);
    for (auto m : mechs) s << " " << m;
    s << "\n";
    CK_SESSION_HANDLE h = open(false, reader);
    std::vector<std::string> objects;
    for (CK_OBJECT_CLASS cls : {CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY}) {
      for (auto o : find_class(h, cls)) {
        std::ostringstream os;
        os << cls;
        for (CK_ATTRIBUTE_TYPE t : {CKA_ID, CKA_KEY_TYPE, CKA_MODULUS, CKA_EC_POINT, CKA_SIGN, CKA_DECRYPT})
          os << " " << to_hex(get(h, o, t));
        if (cls == CKO_CERTIFICATE) {
          Bytes v = get(h, o, CKA_VALUE);
          os << " cert " << v.size() << " key " << to_hex(cert_of(v).spki);
          if (cert_values) cert_values->push_back(v);
        }
        objects.push_back(os.str());
      }
    }
    std::sort(objects.begin(), objects.end());
    for (auto& o : objects) s << o << "\n";
    EXPECT_EQ(f->C_CloseSession(h), CKR_OK);
    return s.str();
  }
  std::string replayed(const Recording& rec, std::vector<Bytes>* certs = nullptr) {
    set_replay_recording(rec);
    p11::set_backend_factory(&make_replay_backend);
    init();
    std::string out = shape(kReplayReader, certs);
    EXPECT_EQ(f->C_Finalize(nullptr), CKR_OK);
    return out;
  }
};

}  // namespace akis::test
