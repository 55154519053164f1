// SPDX-License-Identifier: LGPL-2.1-or-later
// The built module loaded with dlopen, as applications load it, over the real pcscd (PcscTest): the
// function list and the small steps every flow needs (log in, find, read an attribute, sign).
#pragma once

#include <dlfcn.h>

#include "akis/bytes.hpp"
#include "p11.hpp"
#include "pcsc_fixture.hpp"

namespace akis::test {

class LoadedModule : public PcscTest {
 protected:
  static void SetUpTestSuite() {
    PcscTest::SetUpTestSuite();
    handle_ = dlopen(AKIS_MODULE_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto get = reinterpret_cast<CK_RV (*)(CK_FUNCTION_LIST_PTR_PTR)>(dlsym(handle_, "C_GetFunctionList"));
    ASSERT_NE(get, nullptr);
    ASSERT_EQ(get(&f_), CKR_OK);
  }
  static void TearDownTestSuite() {
    if (handle_) dlclose(handle_);
    handle_ = nullptr;
    PcscTest::TearDownTestSuite();
  }
  void TearDown() override {
    f_->C_Finalize(nullptr);
    PcscTest::TearDown();
  }
  CK_SLOT_ID first_slot_with_token() {
    CK_SLOT_ID slots[4];
    CK_ULONG n = 4;
    EXPECT_EQ(f_->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    EXPECT_GE(n, 1u);
    return n ? slots[0] : ~0ul;
  }
  CK_SESSION_HANDLE login_session() {
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(f_->C_OpenSession(first_slot_with_token(), CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
    EXPECT_EQ(f_->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR*>(const_cast<char*>("123456")), 6), CKR_OK);
    return h;
  }
  CK_OBJECT_HANDLE first(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
    CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    f_->C_FindObjectsInit(h, &t, 1);
    f_->C_FindObjects(h, &o, 1, &n);
    f_->C_FindObjectsFinal(h);
    return n ? o : CK_INVALID_HANDLE;
  }
  Bytes attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    if (f_->C_GetAttributeValue(h, o, &a, 1) != CKR_OK) return {};
    Bytes v(a.ulValueLen);
    a.pValue = v.data();
    f_->C_GetAttributeValue(h, o, &a, 1);
    return v;
  }
  CK_RV sign(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, const Bytes& data, Bytes& sig) {
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CK_RV rv = f_->C_SignInit(h, &m, key);
    if (rv != CKR_OK) return rv;
    sig.assign(512, 0);
    CK_ULONG n = sig.size();
    rv = f_->C_Sign(h, const_cast<CK_BYTE*>(data.data()), data.size(), sig.data(), &n);
    sig.resize(n);
    return rv;
  }
  static inline void* handle_ = nullptr;
  static inline CK_FUNCTION_LIST* f_ = nullptr;
};

}  // namespace akis::test
