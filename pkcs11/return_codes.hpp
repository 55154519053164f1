// SPDX-License-Identifier: LGPL-2.1-or-later
// The return values the PKCS#11 standard (3.0, the function's "Return values") lists for each function the
// module exports. A value outside its list is a module bug or a card fault seen from a function that has no
// word for it; conform() logs it and reports the nearest listed code (the one mapping, kNearest in
// return_codes.cpp), else CKR_FUNCTION_FAILED, which every function may return: an application never meets a
// code its function may not answer.
#pragma once

#include "p11.hpp"

namespace akis::p11 {

// True when the function has a table here (every exported C_ function has one).
bool tabled(const char* function);
// True when `rv` is in the list of `function` (or the function has no table here).
bool listed_for(const char* function, CK_RV rv);
// `rv` when listed, else its nearest listed code, else CKR_FUNCTION_FAILED.
CK_RV nearest_listed(const char* function, CK_RV rv);
// nearest_listed, logging a replacement.
CK_RV conform(const char* function, CK_RV rv);

}  // namespace akis::p11
