// SPDX-License-Identifier: LGPL-2.1-or-later
// The error code a call throws, for asserting on card errors.
#pragma once

#include <functional>

#include "akis/error.hpp"

namespace akis::test {

// The Err of the CardError `f` throws; an impossible value when it throws none.
inline Err code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const CardError& e) {
    return e.code();
  }
  return static_cast<Err>(-1);
}

}  // namespace akis::test
