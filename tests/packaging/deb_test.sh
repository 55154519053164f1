#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages, as a distribution would ship them: built from the committed tree by
# `dpkg-buildpackage -us -uc -b` (nocheck), checked by lintian (no errors), then installed, used on a virtual card
# and purged by installed_check.sh in private namespaces with overlays over /usr, /etc and /var, so the machine is
# untouched. Run as root: tests/packaging/deb_test.sh   (AKIS_DEB_SOURCE=worktree builds the working tree instead
# of HEAD; AKIS_DEB_KEEP=1 keeps the work directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "deb_test.sh: needs root (dpkg, unshare, overlay mounts)" >&2; exit 1; }

work=$(mktemp -d /tmp/akis-deb-XXXXXX)
[ -n "${AKIS_DEB_KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
began=$(date +%s)
elapsed() { echo "$(( $(date +%s) - began )) s"; }

mkdir "$work/src"
if [ "${AKIS_DEB_SOURCE:-head}" = worktree ]; then
  tar -C "$root" --exclude='./build*' --exclude=./.git -c . | tar -C "$work/src" -x
else
  git -C "$root" archive HEAD | tar -C "$work/src" -x
fi

echo "== dpkg-buildpackage (log: $work/build.log)"
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
     >"$work/build.log" 2>&1; then
  tail -60 "$work/build.log"
  echo "FAIL: the package build failed"; exit 1
fi
ls "$work"/*.deb
echo "packages built ($(elapsed))"

echo "== lintian"
# Exit status 1 on any error tag; warnings are printed (docs/packaging.md lists the ones we accept and why).
lintian --fail-on error --tag-display-limit 0 "$work"/*.changes | tee "$work/lintian.log"
echo "lintian: $(grep -c '^E:' "$work/lintian.log" || true) errors, $(grep -c '^W:' "$work/lintian.log" || true) warnings ($(elapsed))"

echo "== install, use, purge (private namespaces, overlays over /usr /etc /var)"
unshare --mount --net --pid --fork --kill-child --mount-proc "$here/installed_check.sh" "$work" \
  "$(sed -n 's/^project(akis-middleware VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"
echo "== packaging: passed ($(elapsed))"
