// SPDX-License-Identifier: LGPL-2.1-or-later
// Every exported C_ function's error paths in a valid session (PKCS#11 3.0 sections 5.5-5.13, 5.20): the wrong
// operation state, NULL pointers while an operation is active (the failure ends it, 5.2), bad mechanisms and
// keys, the user and session state (not logged in, read-only), and the stubs. Each answer is exactly the one
// error that applies; where two apply and 5.1 leaves their order open, either is accepted.
#include <functional>
#include <set>

#include "conformance_calls.hpp"
#include "return_codes.hpp"

using namespace akis;
using namespace akis::test;

namespace {

class States : public Conformance {
 protected:
  void SetUp() override {
    Conformance::SetUp();
    insert(Variant::Pre2011);
    init();
    f3_ = functions_3_0();
    ASSERT_NE(f3_, nullptr);
  }
  CK_RV note(const std::string& fn, CK_RV rv) {
    seen_.emplace_back(fn, rv);
    return rv;
  }
  void TearDown() override {
    for (auto& [fn, rv] : seen_) EXPECT_TRUE(p11::listed_for(fn.c_str(), rv)) << fn << " returned 0x" << std::hex << rv;
    Conformance::TearDown();
  }
  // A logged-in session and the card's RSA keys: one that signs, one that decrypts, and their public keys.
  void keys() {
    h_ = open();
    ASSERT_EQ(login(h_, "123456"), CKR_OK);
    for (std::size_t i = 0; i < 2; ++i) {
      CK_OBJECT_HANDLE k = private_key(h_, CKK_RSA, i);
      if (get(h_, k, CKA_SIGN) == Bytes{CK_TRUE}) sign_ = k;
      if (get(h_, k, CKA_DECRYPT) == Bytes{CK_TRUE}) decrypt_ = k;
    }
    ASSERT_NE(sign_, CK_INVALID_HANDLE);
    ASSERT_NE(decrypt_, CK_INVALID_HANDLE);
    verify_ = public_of(sign_);
    encrypt_ = public_of(decrypt_);
  }
  CK_OBJECT_HANDLE public_of(CK_OBJECT_HANDLE priv) {
    Bytes id = get(h_, priv, CKA_ID);
    CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
    auto found = find(h_, {attr(CKA_CLASS, &cls, sizeof cls), attr(CKA_ID, id.data(), id.size())});
    return found.empty() ? CK_INVALID_HANDLE : found[0];
  }
  CK_FUNCTION_LIST_3_0* f3_ = nullptr;
  CK_SESSION_HANDLE h_ = 0;
  CK_OBJECT_HANDLE sign_ = 0, decrypt_ = 0, verify_ = 0, encrypt_ = 0;
  std::vector<std::pair<std::string, CK_RV>> seen_;
};

// No operation active: every step of an operation answers CKR_OPERATION_NOT_INITIALIZED (valid arguments).
TEST_F(States, StepsWithoutAnOperation) {
  CK_SESSION_HANDLE h = open(false);
  const std::set<std::string> steps = {"C_Encrypt",     "C_EncryptUpdate", "C_EncryptFinal", "C_Decrypt",
                                       "C_DecryptUpdate", "C_DecryptFinal", "C_Digest",      "C_DigestUpdate",
                                       "C_DigestKey",   "C_DigestFinal",   "C_Sign",         "C_SignUpdate",
                                       "C_SignFinal",   "C_Verify",        "C_VerifyUpdate", "C_VerifyFinal",
                                       "C_FindObjects", "C_FindObjectsFinal"};
  std::size_t checked = 0;
  for (auto& c : session_calls()) {
    if (!steps.count(c.name)) continue;
    EXPECT_EQ(note(c.name, c.call(f, h)), CKR_OPERATION_NOT_INITIALIZED) << c.name;
    ++checked;
  }
  EXPECT_EQ(checked, steps.size());
  // A NULL pointer and no operation: two 5.1.6 codes, either may come.
  for (auto& c : null_calls()) {
    std::string n = c.name;
    if (!steps.count(n)) continue;
    EXPECT_TRUE(std::set<CK_RV>({CKR_OPERATION_NOT_INITIALIZED, CKR_ARGUMENTS_BAD}).count(note(n, c.call(f3_, h)))) << n;
  }
}

// Init: NULL mechanism, bad key, wrong key class, a mechanism for another function, an operation already active.
TEST_F(States, InitErrors) {
  keys();
  CK_MECHANISM sig{CKM_SHA256_RSA_PKCS, nullptr, 0}, rsa{CKM_RSA_PKCS, nullptr, 0}, sha{CKM_SHA256, nullptr, 0};
  struct Init {
    const char* name;
    CK_RV (*fn)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
    CK_MECHANISM* mech;
    CK_OBJECT_HANDLE key, wrong_class;
  };
  const Init inits[] = {{"C_SignInit", f->C_SignInit, &sig, sign_, verify_},
                        {"C_VerifyInit", f->C_VerifyInit, &sig, verify_, sign_},
                        {"C_EncryptInit", f->C_EncryptInit, &rsa, encrypt_, decrypt_},
                        {"C_DecryptInit", f->C_DecryptInit, &rsa, decrypt_, encrypt_}};
  for (auto& i : inits) {
    EXPECT_EQ(note(i.name, i.fn(h_, nullptr, i.key)), CKR_ARGUMENTS_BAD) << i.name;
    EXPECT_EQ(note(i.name, i.fn(h_, i.mech, 0xbad)), CKR_KEY_HANDLE_INVALID) << i.name;
    EXPECT_EQ(note(i.name, i.fn(h_, i.mech, i.wrong_class)), CKR_KEY_TYPE_INCONSISTENT) << i.name;
    EXPECT_EQ(note(i.name, i.fn(h_, &sha, i.key)), CKR_MECHANISM_INVALID) << i.name;
    ASSERT_EQ(note(i.name, i.fn(h_, i.mech, i.key)), CKR_OK) << i.name;
    EXPECT_EQ(note(i.name, i.fn(h_, i.mech, i.key)), CKR_OPERATION_ACTIVE) << i.name;
    ASSERT_EQ(f3_->C_SessionCancel(h_, CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT), CKR_OK);
  }
  EXPECT_EQ(note("C_DigestInit", f->C_DigestInit(h_, &sig)), CKR_MECHANISM_INVALID);
  CK_MECHANISM bad_param{CKM_SHA256, sig.pParameter, 4};
  CK_BYTE param[4] = {};
  bad_param.pParameter = param;
  note("C_DigestInit", f->C_DigestInit(h_, &bad_param));  // a parameter SHA-256 does not take: listed either way
  f3_->C_SessionCancel(h_, CKF_DIGEST);
}

// 3.0: C_*Init with a NULL mechanism ends an active operation of its kind, and only of its kind.
TEST_F(States, InitWithNullMechanismEndsTheActiveOperation) {
  keys();
  CK_MECHANISM sig{CKM_SHA256_RSA_PKCS, nullptr, 0}, rsa{CKM_RSA_PKCS, nullptr, 0}, sha{CKM_SHA256, nullptr, 0};
  CK_BYTE out[512];
  CK_ULONG n = sizeof out;
  struct Kind {
    const char* name;
    std::function<CK_RV(CK_MECHANISM*)> init;
    std::function<CK_RV()> step;
  };
  const Kind kinds[] = {
      {"C_SignInit", [&](CK_MECHANISM* m) { return f->C_SignInit(h_, m, sign_); },
       [&] { return f->C_SignFinal(h_, out, &n); }},
      {"C_VerifyInit", [&](CK_MECHANISM* m) { return f->C_VerifyInit(h_, m, verify_); },
       [&] { return f->C_VerifyFinal(h_, out, 256); }},
      {"C_EncryptInit", [&](CK_MECHANISM* m) { return f->C_EncryptInit(h_, m ? &rsa : m, encrypt_); },
       [&] { return f->C_EncryptFinal(h_, out, &n); }},
      {"C_DecryptInit", [&](CK_MECHANISM* m) { return f->C_DecryptInit(h_, m ? &rsa : m, decrypt_); },
       [&] { return f->C_DecryptFinal(h_, out, &n); }},
      {"C_DigestInit", [&](CK_MECHANISM* m) { return f->C_DigestInit(h_, m ? &sha : m); },
       [&] { return f->C_DigestFinal(h_, out, &n); }},
  };
  for (auto& k : kinds) {
    ASSERT_EQ(note(k.name, k.init(&sig)), CKR_OK) << k.name;
    EXPECT_EQ(note(k.name, k.init(nullptr)), CKR_OK) << k.name;
    n = sizeof out;
    EXPECT_EQ(k.step(), CKR_OPERATION_NOT_INITIALIZED) << k.name;
  }
  // Another kind's NULL mechanism leaves the active operation alone.
  ASSERT_EQ(f->C_DigestInit(h_, &sha), CKR_OK);
  EXPECT_EQ(note("C_SignInit", f->C_SignInit(h_, nullptr, sign_)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_DigestInit", f->C_DigestInit(h_, &sha)), CKR_OPERATION_ACTIVE);
}

// NULL pointers while the operation is active: exactly CKR_ARGUMENTS_BAD, and the failure ends the operation.
TEST_F(States, NullPointersEndTheActiveOperation) {
  keys();
  CK_MECHANISM sig{CKM_SHA256_RSA_PKCS, nullptr, 0}, rsa{CKM_RSA_PKCS, nullptr, 0}, sha{CKM_SHA256, nullptr, 0};
  CK_BYTE data[4] = {1, 2, 3, 4}, out[512];
  CK_ULONG n = sizeof out;
  auto ended = [&](const char* name, CK_RV rv) { EXPECT_EQ(note(name, rv), CKR_OPERATION_NOT_INITIALIZED) << name; };
  const std::set<CK_RV> bad_or_single = {CKR_ARGUMENTS_BAD, CKR_FUNCTION_NOT_SUPPORTED};
  for (auto& c : null_calls()) {
    const std::string n0 = c.name;
    if (c.unsupported) continue;
    CK_RV init = CKR_GENERAL_ERROR;
    bool single_part = false;
    if (n0 == "C_Sign" || n0 == "C_SignUpdate" || n0 == "C_SignFinal") init = f->C_SignInit(h_, &sig, sign_);
    else if (n0 == "C_Verify" || n0 == "C_VerifyUpdate" || n0 == "C_VerifyFinal") init = f->C_VerifyInit(h_, &sig, verify_);
    else if (n0 == "C_Digest" || n0 == "C_DigestUpdate" || n0 == "C_DigestFinal") init = f->C_DigestInit(h_, &sha);
    else if (n0 == "C_Encrypt" || n0 == "C_EncryptUpdate" || n0 == "C_EncryptFinal") {
      init = f->C_EncryptInit(h_, &rsa, encrypt_);
      single_part = true;
    } else if (n0 == "C_Decrypt" || n0 == "C_DecryptUpdate" || n0 == "C_DecryptFinal") {
      init = f->C_DecryptInit(h_, &rsa, decrypt_);
      single_part = true;
    } else {
      continue;
    }
    ASSERT_EQ(init, CKR_OK) << n0;
    CK_RV rv = note(n0, c.call(f3_, h_));
    if (single_part && n0.ends_with("Update")) {
      EXPECT_TRUE(bad_or_single.count(rv)) << n0;  // both apply to a single-part mechanism's update
    } else {
      EXPECT_EQ(rv, CKR_ARGUMENTS_BAD) << n0;
    }
    // Ended: the next step of the same kind finds no operation.
    n = sizeof out;
    if (n0.starts_with("C_Sign")) ended("C_SignFinal", f->C_SignFinal(h_, out, &n));
    else if (n0.starts_with("C_Verify")) ended("C_VerifyFinal", f->C_VerifyFinal(h_, out, 256));
    else if (n0.starts_with("C_Digest")) ended("C_DigestFinal", f->C_DigestFinal(h_, out, &n));
    else if (n0.starts_with("C_Encrypt")) ended("C_EncryptFinal", f->C_EncryptFinal(h_, out, &n));
    else ended("C_Decrypt", f->C_Decrypt(h_, data, sizeof data, out, &n));
  }
  // C_Verify / C_VerifyFinal with the signature pointer alone NULL.
  ASSERT_EQ(f->C_VerifyInit(h_, &sig, verify_), CKR_OK);
  EXPECT_EQ(note("C_Verify", f->C_Verify(h_, data, sizeof data, nullptr, 256)), CKR_ARGUMENTS_BAD);
  ASSERT_EQ(f->C_VerifyInit(h_, &sig, verify_), CKR_OK);
  ASSERT_EQ(f->C_VerifyUpdate(h_, data, sizeof data), CKR_OK);
  EXPECT_EQ(note("C_VerifyFinal", f->C_VerifyFinal(h_, nullptr, 256)), CKR_ARGUMENTS_BAD);
  // A signature of the wrong length: CKR_SIGNATURE_LEN_RANGE or CKR_SIGNATURE_INVALID, both listed.
  ASSERT_EQ(f->C_VerifyInit(h_, &sig, verify_), CKR_OK);
  CK_RV rv = note("C_Verify", f->C_Verify(h_, data, sizeof data, out, 3));
  EXPECT_TRUE(rv == CKR_SIGNATURE_LEN_RANGE || rv == CKR_SIGNATURE_INVALID) << std::hex << rv;
  // C_DigestKey while no digest is active, then with a bad key (ends the digest).
  EXPECT_EQ(note("C_DigestKey", f->C_DigestKey(h_, sign_)), CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_EQ(f->C_DigestInit(h_, &sha), CKR_OK);
  EXPECT_EQ(note("C_DigestKey", f->C_DigestKey(h_, 0xbad)), CKR_KEY_HANDLE_INVALID);
  ended("C_DigestFinal", f->C_DigestFinal(h_, out, &n));
}

// User and session state: PIN functions, login, signing without the login.
TEST_F(States, UserAndSessionState) {
  CK_SESSION_HANDLE ro = open(false), rw = open(true);
  CK_UTF8CHAR pin[] = "123456", wrong[] = "000000", shortp[] = "1";
  // 5.5.8: C_InitPIN outside the "R/W SO Functions" state fails with CKR_USER_NOT_LOGGED_IN (read-only too).
  EXPECT_EQ(note("C_InitPIN", f->C_InitPIN(ro, pin, 6)), CKR_USER_NOT_LOGGED_IN);
  CK_RV rv = CKR_OK;
  EXPECT_EQ(note("C_InitPIN", f->C_InitPIN(rw, pin, 6)), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(note("C_InitPIN", f->C_InitPIN(rw, nullptr, 6)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_SetPIN", f->C_SetPIN(ro, pin, 6, pin, 6)), CKR_SESSION_READ_ONLY);  // 5.5.9
  EXPECT_EQ(note("C_SetPIN", f->C_SetPIN(rw, pin, 6, shortp, 1)), CKR_PIN_LEN_RANGE);
  EXPECT_EQ(note("C_SetPIN", f->C_SetPIN(rw, wrong, 6, pin, 6)), CKR_PIN_INCORRECT);
  EXPECT_EQ(note("C_SetPIN", f->C_SetPIN(rw, pin, 6, nullptr, 6)), CKR_ARGUMENTS_BAD);
  // C_LoginUser (3.0), as C_Login.
  EXPECT_EQ(note("C_LoginUser", f3_->C_LoginUser(rw, CKU_USER, nullptr, 6, nullptr, 0)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_LoginUser", f3_->C_LoginUser(rw, 42, pin, 6, nullptr, 0)), CKR_USER_TYPE_INVALID);
  EXPECT_EQ(note("C_LoginUser", f3_->C_LoginUser(0xbad, CKU_USER, pin, 6, nullptr, 0)), CKR_SESSION_HANDLE_INVALID);
  ASSERT_EQ(note("C_LoginUser", f3_->C_LoginUser(rw, CKU_USER, pin, 6, nullptr, 0)), CKR_OK);
  EXPECT_EQ(note("C_LoginUser", f3_->C_LoginUser(ro, CKU_USER, pin, 6, nullptr, 0)), CKR_USER_ALREADY_LOGGED_IN);
  // A key found while logged in, used after the logout: its handle or the login is missing (order open).
  CK_OBJECT_HANDLE key = private_key(rw, CKK_RSA);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  ASSERT_EQ(note("C_Logout", f->C_Logout(rw)), CKR_OK);
  CK_MECHANISM sig{CKM_SHA256_RSA_PKCS, nullptr, 0};
  rv = note("C_SignInit", f->C_SignInit(ro, &sig, key));
  EXPECT_TRUE(rv == CKR_KEY_HANDLE_INVALID || rv == CKR_USER_NOT_LOGGED_IN) << std::hex << rv;
  rv = note("C_DecryptInit", f->C_DecryptInit(ro, &sig, key));
  EXPECT_NE(rv, CKR_OK);
}

// Stubs answer CKR_FUNCTION_NOT_SUPPORTED once initialised; the legacy functions CKR_FUNCTION_NOT_PARALLEL;
// slot events and C_SessionCancel their own codes.
TEST_F(States, StubsLegacyAndEvents) {
  CK_SESSION_HANDLE h = open();
  for (auto& c : null_calls()) {
    if (c.unsupported) {
      EXPECT_EQ(note(c.name, c.call(f3_, h)), CKR_FUNCTION_NOT_SUPPORTED) << c.name;
    }
  }
  CK_UTF8CHAR pin[] = "12345678";
  EXPECT_EQ(note("C_InitToken", f->C_InitToken(slot_of(kReaderA), pin, 8, pin)), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(note("C_GetFunctionStatus", f->C_GetFunctionStatus(h)), CKR_FUNCTION_NOT_PARALLEL);
  EXPECT_EQ(note("C_CancelFunction", f->C_CancelFunction(h)), CKR_FUNCTION_NOT_PARALLEL);
  EXPECT_EQ(note("C_GetFunctionStatus", f->C_GetFunctionStatus(0xbad)), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(note("C_CancelFunction", f->C_CancelFunction(0xbad)), CKR_SESSION_HANDLE_INVALID);
  EXPECT_EQ(note("C_SessionCancel", f3_->C_SessionCancel(h, CKF_SIGN)), CKR_OK);  // nothing active: nothing to end
  CK_SLOT_ID slot = 0;
  CK_RV rv = note("C_WaitForSlotEvent", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr));
  EXPECT_TRUE(rv == CKR_OK || rv == CKR_NO_EVENT) << std::hex << rv;
  EXPECT_EQ(note("C_WaitForSlotEvent", f->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr)), CKR_ARGUMENTS_BAD);
  int reserved = 0;
  EXPECT_EQ(note("C_Finalize", f->C_Finalize(&reserved)), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(note("C_Initialize", f->C_Initialize(nullptr)), CKR_CRYPTOKI_ALREADY_INITIALIZED);
}

}  // namespace
