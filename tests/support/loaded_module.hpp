// SPDX-License-Identifier: LGPL-2.1-or-later
// The built module loaded with dlopen, as applications load it, over the real pcscd (PcscTest): a gtest fixture
// around the one loading helper and flow of the tests (LoadedP11 and P11Flow, tests/integration/personality_support.hpp).
#pragma once

#include "akis/bytes.hpp"
#include "p11.hpp"
#include "pcsc_fixture.hpp"
#include "personality_support.hpp"

namespace akis::test {

class LoadedModule : public PcscTest {
 protected:
  static void SetUpTestSuite() {
    PcscTest::SetUpTestSuite();
    module_ = new LoadedP11(AKIS_MODULE_PATH);  // throws (the suite fails) when the module does not load
    handle_ = module_->handle;
    f_ = module_->f;
  }
  static void TearDownTestSuite() {
    delete module_;
    module_ = nullptr;
    handle_ = nullptr;
    f_ = nullptr;
    PcscTest::TearDownTestSuite();
  }
  void TearDown() override {
    f_->C_Finalize(nullptr);
    PcscTest::TearDown();
  }
  static P11Flow flow() { return P11Flow(*f_); }
  CK_SLOT_ID first_slot_with_token() {
    CK_SLOT_ID slot = ~0ul;
    EXPECT_TRUE(flow().slot_with_token(slot));
    return slot;
  }
  CK_SESSION_HANDLE login_session() {
    CK_SESSION_HANDLE h = 0;
    EXPECT_EQ(f_->C_OpenSession(first_slot_with_token(), CKF_SERIAL_SESSION, nullptr, nullptr, &h), CKR_OK);
    EXPECT_EQ(flow().login(h, CKU_USER, "123456"), CKR_OK);
    return h;
  }
  CK_OBJECT_HANDLE first(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
    auto found = flow().find(h, cls);
    return found.empty() ? CK_INVALID_HANDLE : found[0];
  }
  Bytes attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) { return flow().attr(h, o, type); }
  CK_RV sign(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key, const Bytes& data, Bytes& sig) {
    return flow().sign(h, key, CKM_SHA256_RSA_PKCS, data, sig);
  }
  static inline LoadedP11* module_ = nullptr;
  static inline void* handle_ = nullptr;
  static inline CK_FUNCTION_LIST* f_ = nullptr;
};

}  // namespace akis::test
