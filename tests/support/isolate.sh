#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test launcher (CMake's CROSSCOMPILING_EMULATOR for the test executables): runs one test in private mount,
# network and PID namespaces with its own /run/pcscd, TMPDIR, HOME, XDG_RUNTIME_DIR and login-registry fallback
# directory, so tests that start pcscd (whose socket path is fixed) or listen on fixed ports run in parallel
# without seeing each other.
# Everything the test started dies with its PID namespace; its temporary directory is removed after it.
# Without root or unshare the test runs as it is.
if [ -z "${AKIS_ISOLATED:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
  mkdir -p /run/pcscd
  exec unshare --mount --net --pid --fork --kill-child --mount-proc \
    env AKIS_ISOLATED=1 sh -c '
      mount -t tmpfs tmpfs /run/pcscd && ip link set lo up || exit 125
      dir=$(mktemp -d /tmp/akis-test-run-XXXXXX) || exit 125
      chmod 0755 "$dir"
      mkdir -p -m 0700 "$dir/home" "$dir/run-user" "$dir/tmp"
      chmod 1777 "$dir/tmp"
      # The login registry falls back to /tmp/akis-logins-<uid> without a usable XDG_RUNTIME_DIR: a private one.
      logins=/tmp/akis-logins-$(id -u)
      mkdir -p -m 0700 "$logins" "$dir/logins" && chmod 0700 "$dir/logins" && mount --bind "$dir/logins" "$logins" ||
        exit 125
      export HOME="$dir/home" XDG_RUNTIME_DIR="$dir/run-user" TMPDIR="$dir/tmp"
      unset XDG_CACHE_HOME XDG_CONFIG_HOME XDG_DATA_HOME
      rc=0; "$@" || rc=$?
      rm -rf "$dir"
      exit "$rc"' isolate "$@"
fi
exec "$@"
