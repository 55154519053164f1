#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with warnings as errors, runs unit, module,
# integration and client tests; then the same suite in an AddressSanitizer + UBSan build; then a few
# seconds of every fuzz target (clang, libFuzzer).
# Tests start their own pcscd and virtual cards and stop them by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

"$root/scripts/install-deps.sh"
"$root/scripts/stop-system-pcscd.sh"

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S "$root" -B "$root/$dir" -DAKIS_WERROR=ON "$@" >/dev/null
  cmake --build "$root/$dir" -j "$jobs"
}

echo "== build (warnings are errors)"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 300)

echo "== sanitizer build (ASan + UBSan)"
build build-asan -DCMAKE_BUILD_TYPE=Debug -DAKIS_SANITIZE=ON
echo "== tests under sanitizers"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j "$jobs" --timeout 600)

echo "== ThreadSanitizer build: lock-order inversions and races in the module, in-process and through pcscd"
cmake -S "$root" -B "$root/build-tsan" -DAKIS_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAKIS_TSAN=ON >/dev/null
cmake --build "$root/build-tsan" -j "$jobs" --target module_tests fault_tests akis-pkcs11 akis-vcard
(cd build-tsan && TSAN_OPTIONS="suppressions=$root/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
   ctest --output-on-failure -j "$jobs" --timeout 600 -L 'module|faults' -E 'LoadedModule|ResetDropsTheLoginForEveryProcess')

echo "== fuzz build (clang, libFuzzer + ASan + UBSan) and a few seconds of every fuzz target"
cmake -S "$root" -B "$root/build-fuzz" -DAKIS_WERROR=ON -DCMAKE_CXX_COMPILER=clang++ -DAKIS_FUZZ=ON -DAKIS_BUILD_TESTS=OFF \
  -DAKIS_FUZZ_SECONDS=5 >/dev/null
cmake --build "$root/build-fuzz" -j "$jobs" --target fuzzers
(cd build-fuzz && ctest -L fuzz --output-on-failure -j "$jobs")
