// SPDX-License-Identifier: LGPL-2.1-or-later
// Environment for host programs (pkcs11-tool, NSS tools, p11tool) that load our module. In the sanitizer
// build the module is instrumented and the host is not: the ASan runtime (and libstdc++ right after it,
// for ASan's __cxa_throw interceptor) must be preloaded. Empty in the normal build.
#pragma once

#ifndef AKIS_HOST_ENV
#define AKIS_HOST_ENV ""
#endif
