// SPDX-License-Identifier: LGPL-2.1-or-later
// The one place where errors become CK_RV. No exception crosses the C ABI.
#pragma once

#include <exception>
#include <new>

#include "akis/error.hpp"
#include "p11.hpp"

namespace akis::p11 {

// Thrown inside the module to return a specific CK_RV.
struct Rv {
  CK_RV rv;
};
[[noreturn]] inline void fail(CK_RV rv) { throw Rv{rv}; }

// The mapping table from card errors to PKCS#11 return values.
CK_RV to_rv(const CardError& e);

// Logs an unexpected exception (never its secrets) and returns CKR_GENERAL_ERROR.
CK_RV unexpected(const char* where, const char* what) noexcept;

// Runs `fn` and turns every way out into a CK_RV.
template <class F>
CK_RV guarded(const char* where, F&& fn) noexcept {
  try {
    fn();
    return CKR_OK;
  } catch (const Rv& r) {
    return r.rv;
  } catch (const CardError& e) {
    return to_rv(e);
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (const std::exception& e) {
    return unexpected(where, e.what());
  } catch (...) {
    return unexpected(where, "unknown exception");
  }
}

}  // namespace akis::p11
