// SPDX-License-Identifier: LGPL-2.1-or-later
// The return values the PKCS#11 standard (2.40 / 3.0, the function's "Return values") lists for a function.
// A value outside its list is a module bug somewhere below; conform() logs it once per call and reports
// CKR_FUNCTION_FAILED (or CKR_DEVICE_ERROR for card faults), which every function may return, so an
// application never meets a code its function may not answer. Functions without a table pass through.
#pragma once

#include "p11.hpp"

namespace akis::p11 {

// True when `rv` is in the list of `function` (or the function has no table here).
bool listed_for(const char* function, CK_RV rv);
CK_RV conform(const char* function, CK_RV rv);

}  // namespace akis::p11
