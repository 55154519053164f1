// SPDX-License-Identifier: LGPL-2.1-or-later
// A directory the module may trust with per-user state (the login registry, the public cache): made by us or
// already there, this user's, a directory and not a link, and nobody else may read or write it.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "log.hpp"

namespace akis::p11 {

// `what` names the user of the directory in the log line when it is refused.
inline bool private_dir(const std::string& d, const char* what) {
  if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) return false;
  struct stat st {};
  if (::lstat(d.c_str(), &st) != 0) return false;
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    log::error("%s: %s is not a private directory of this user; not used", what, d.c_str());
    return false;
  }
  return true;
}

}  // namespace akis::p11
