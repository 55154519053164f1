// SPDX-License-Identifier: LGPL-2.1-or-later
// Drives the PKCS#11 module through its function list, against in-process virtual readers.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cards.hpp"
#include "module.hpp"
#include "ossl.hpp"
#include "virtual_backend.hpp"

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR);
extern "C" CK_RV C_GetInterfaceList(CK_INTERFACE_PTR, CK_ULONG_PTR);
extern "C" CK_RV C_GetInterface(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS);

namespace akis::test {

inline CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE t, const void* v, CK_ULONG n) {
  return CK_ATTRIBUTE{t, const_cast<void*>(v), n};
}

class P11 : public ::testing::Test {
 protected:
  static constexpr const char* kReaderA = "Virtual Reader A";
  static constexpr const char* kReaderB = "Virtual Reader B";

  void SetUp() override {
    readers().clear();
    readers().add_reader(kReaderA);
    readers().add_reader(kReaderB);
    p11::set_backend_factory(&make_virtual_backend);
    ASSERT_EQ(C_GetFunctionList(&f), CKR_OK);
  }
  void TearDown() override {
    f->C_Finalize(nullptr);
    readers().clear();  // the cards hold Botan keys: free them before Botan's allocator goes at exit
  }

  static VirtualReaders& readers() { return VirtualReaders::instance(); }
  std::shared_ptr<vcard::VirtualCard> insert(Variant v, const char* reader = kReaderA) {
    auto card = std::make_shared<vcard::VirtualCard>(card_state(v));
    readers().insert(reader, card);
    return card;
  }
  void init() { ASSERT_EQ(f->C_Initialize(nullptr), CKR_OK); }

  std::vector<CK_SLOT_ID> slots(bool present) {
    CK_ULONG n = 0;
    EXPECT_EQ(f->C_GetSlotList(present, nullptr, &n), CKR_OK);
    std::vector<CK_SLOT_ID> out(n);
    EXPECT_EQ(f->C_GetSlotList(present, out.data(), &n), CKR_OK);
    out.resize(n);
    return out;
  }
  CK_SLOT_ID slot_of(const std::string& reader) {
    for (auto id : slots(false)) {
      CK_SLOT_INFO si;
      f->C_GetSlotInfo(id, &si);
      std::string d(reinterpret_cast<char*>(si.slotDescription), sizeof si.slotDescription);
      if (d.rfind(reader, 0) == 0) return id;
    }
    ADD_FAILURE() << "no slot for " << reader;
    return ~0ul;
  }
  CK_SESSION_HANDLE open(bool rw = true, const char* reader = kReaderA) {
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(f->C_OpenSession(slot_of(reader), CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), nullptr, nullptr, &h),
              CKR_OK);
    return h;
  }
  CK_RV login(CK_SESSION_HANDLE h, const std::string& pin, CK_USER_TYPE u = CKU_USER) {
    return f->C_Login(h, u, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>(pin.data())), pin.size());
  }
  std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl = {}) {
    EXPECT_EQ(f->C_FindObjectsInit(h, tmpl.data(), tmpl.size()), CKR_OK);
    std::vector<CK_OBJECT_HANDLE> out;
    CK_OBJECT_HANDLE buf[3];
    CK_ULONG n = 0;
    do {
      EXPECT_EQ(f->C_FindObjects(h, buf, 3, &n), CKR_OK);
      out.insert(out.end(), buf, buf + n);
    } while (n > 0);
    EXPECT_EQ(f->C_FindObjectsFinal(h), CKR_OK);
    return out;
  }
  std::vector<CK_OBJECT_HANDLE> find_class(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
    return find(h, {attr(CKA_CLASS, &cls, sizeof cls)});
  }
  Bytes get(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t) {
    CK_ATTRIBUTE a{t, nullptr, 0};
    if (f->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return {};
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    EXPECT_EQ(f->C_GetAttributeValue(h, o, &a, 1), CKR_OK);
    return v;
  }
  // The certificate with the same CKA_ID as `key`.
  Bytes cert_for(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key) {
    Bytes id = get(h, key, CKA_ID);
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    auto certs = find(h, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, id.data(), id.size())});
    return certs.empty() ? Bytes{} : get(h, certs[0], CKA_VALUE);
  }
  CK_OBJECT_HANDLE private_key(CK_SESSION_HANDLE h, CK_KEY_TYPE type, std::size_t nth = 0) {
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    auto keys = find(h, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_KEY_TYPE, &type, sizeof type)});
    return keys.size() > nth ? keys[nth] : CK_INVALID_HANDLE;
  }
  CK_RV sign(CK_SESSION_HANDLE h, CK_MECHANISM m, CK_OBJECT_HANDLE key, const Bytes& data, Bytes& sig) {
    CK_RV rv = f->C_SignInit(h, &m, key);
    if (rv != CKR_OK) return rv;
    CK_ULONG n = 0;
    rv = f->C_Sign(h, const_cast<CK_BYTE*>(data.data()), data.size(), nullptr, &n);
    if (rv != CKR_OK) return rv;
    sig.resize(n);
    rv = f->C_Sign(h, const_cast<CK_BYTE*>(data.data()), data.size(), sig.data(), &n);
    sig.resize(n);
    return rv;
  }

  CK_FUNCTION_LIST* f = nullptr;
};

}  // namespace akis::test
