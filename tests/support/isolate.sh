#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test launcher (CMake's CROSSCOMPILING_EMULATOR for the test executables): runs one test in private mount,
# network and PID namespaces with its own /run/pcscd, /tmp and HOME, so tests that start pcscd (whose socket
# path is fixed) or listen on fixed ports run in parallel without seeing each other. Everything the test
# started dies with its PID namespace. Without root or unshare the test runs as it is.
if [ -z "${AKIS_ISOLATED:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
  mkdir -p /run/pcscd
  exec unshare --mount --net --pid --fork --kill-child --mount-proc \
    env AKIS_ISOLATED=1 sh -c '
      mount -t tmpfs -o mode=1777 tmpfs /tmp && mount -t tmpfs tmpfs /run/pcscd && ip link set lo up || exit 125
      mkdir -p -m 0700 /tmp/home /tmp/run-user
      export HOME=/tmp/home XDG_RUNTIME_DIR=/tmp/run-user
      unset XDG_CACHE_HOME XDG_CONFIG_HOME XDG_DATA_HOME
      exec "$@"' isolate "$@"
fi
exec "$@"
