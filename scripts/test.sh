#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The whole test suite: installs what is missing, builds with warnings as errors and runs every test; the same
# tests in an AddressSanitizer + UBSan build; the module and fault tests under ThreadSanitizer; a few seconds of
# every fuzz target (clang, libFuzzer); and the Debian packages built, installed and purged.
# Tests start their own pcscd and virtual cards and stop them by PID; as root each test executable runs in its
# own namespaces (tests/support/isolate.sh), so tests run in parallel, and the stages overlap: a build (CPU)
# runs while the previous build's tests (mostly waiting on cards and sockets) run. Each stage writes a log,
# printed when the stage ends; the script fails if any stage failed. Tests that measure time or throughput
# against a bound run at the end, alone.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
test_jobs=$((jobs * 2))  # tests mostly wait on cards and sockets: twice as many as cores
# Tests that measure throughput or time against a bound run last, one at a time, on a machine with nothing else
# to do: the other stages' compilers would make their numbers noise. Only the plain build's: under a sanitizer
# their numbers measure the instrumentation. What they drive runs instrumented in the sanitizer stage's other
# unlock tests: hostile bodies of every framing (Unlock.BodiesOfAnyFramingAreBoundedAndMemoryStaysLow), the
# login and rate-limit paths (unlock_limits_test.cpp); only the 24 slow clients at once run uninstrumented.
timing='HonestClientsKeepTheirThroughputUnderAttack|SlowClientsDoNotMakeTheServiceUnavailable|UnknownUserNamesCostAsMuchAsKnownOnes'
asan_env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
logs=$root/build-logs
mkdir -p "$logs"

"$root/scripts/install-deps.sh"
"$root/scripts/stop-system-pcscd.sh"

build() {  # build DIR [cmake options...] [-- targets...]
  local dir=$1; shift
  local opts=() targets=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift && targets=("$@")
  cmake -S "$root" -B "$root/$dir" -DAKIS_WERROR=ON "${opts[@]}" >/dev/null
  if [ ${#targets[@]} -gt 0 ]; then
    cmake --build "$root/$dir" -j "$jobs" --target "${targets[@]}"
  else
    cmake --build "$root/$dir" -j "$jobs"
  fi
}

tests_plain() {
  cd "$root/build" && ctest --output-on-failure -j "$test_jobs" --timeout 300 -E "$timing"
}
# The sanitizer build leaves out the personality matrix's one-quirk cards through pcscd (106 cases, a quarter of
# its test time): every quirk's parsing and card code still runs instrumented, in-process, in
# Personalities/CardQuirks (each quirk on each family through the Card facade), and through pcscd and the module
# on the family cards and the multi-quirk cards (Families/, Combinations/); the plain build runs all of them.
asan_skip='^Quirks(On1x|OnV1_0)?/Personality\.'
sanitizers() {
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DAKIS_SANITIZE=ON -DAKIS_BUILD_BENCH=OFF
  cd "$root/build-asan" &&
    env "${asan_env[@]}" ctest --output-on-failure -j "$test_jobs" --timeout 600 -E "$timing|$asan_skip"
}
timed() {  # the timing tests, alone
  cd "$root/build" && ctest --output-on-failure -j 1 --timeout 300 -R "$timing"
}
threads() {  # lock-order inversions and races in the module, in-process and through pcscd (not the tests
  # that load the module into uninstrumented programs such as pkcs11-tool: the TSan runtime cannot be dlopen'ed)
  build build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAKIS_TSAN=ON -- module_tests fault_tests akis-pkcs11 akis-vcard
  cd "$root/build-tsan"
  TSAN_OPTIONS="suppressions=$root/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
    ctest --output-on-failure -j "$jobs" --timeout 600 -L 'module|faults' -E 'LoadedModule|ResetDropsTheLoginForEveryProcess|PublicCachePcscd|TokenDataPcscd'
}
fuzz() {
  build build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DAKIS_FUZZ=ON -DAKIS_BUILD_TESTS=OFF -DAKIS_FUZZ_SECONDS=5 -- fuzzers
  cd "$root/build-fuzz" && ctest -L fuzz --output-on-failure -j "$jobs"
}
packages() {
  if [ -x "$root/tests/packaging/deb_test.sh" ]; then "$root/tests/packaging/deb_test.sh"; else echo "no packaging test"; fi
}

declare -A pid=()
start() {  # start NAME: runs the stage function NAME in the background, its output in build-logs/NAME.log
  local name=$1
  ( set -e; "$name" ) >"$logs/$name.log" 2>&1 &
  pid[$name]=$!
  echo "== $name: started ($(date +%T))"
}
failed=()
finish() {  # finish NAME: waits for the stage, prints its log
  local name=$1 rc=0
  wait "${pid[$name]}" || rc=$?
  echo "== $name: $( [ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)") ($(date +%T))"
  if [ $rc -ne 0 ] || [ -n "${AKIS_TEST_VERBOSE:-}" ]; then cat "$logs/$name.log"; else
    grep -E 'tests passed|tests failed|Total Test time' "$logs/$name.log" || tail -n 5 "$logs/$name.log"; fi
  [ $rc -eq 0 ] || failed+=("$name")
}

echo "== build (warnings are errors) ($(date +%T))"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
start tests_plain
start sanitizers        # its build overlaps the plain tests
finish tests_plain
start threads
start fuzz
finish threads
finish fuzz
start packages
finish sanitizers
finish packages
start timed
finish timed

if [ ${#failed[@]} -gt 0 ]; then
  echo "== FAILED stages: ${failed[*]} (logs in build-logs/)"
  exit 1
fi
echo "== all stages passed"
