#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the libFuzzer targets (fuzz/) for longer than the test suite does: scripts/fuzz.sh [SECONDS] [TARGET...]
# SECONDS per target (default 60), one target at a time; TARGETs by name without the fuzz_ prefix (default: all).
# Builds build-fuzz (or $BUILD_DIR) with clang first. New inputs go to build-fuzz/fuzz/work/<target>/new, crashes to
# .../artifacts/; to keep an input as a seed, copy it into fuzz/corpus/<corpus>/ (small files only).
# The card seeds are regenerated with: build-fuzz/fuzz/fuzz_make_corpus fuzz/corpus
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-60}
shift || true
build=${BUILD_DIR:-$root/build-fuzz}
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DAKIS_FUZZ=ON -DAKIS_BUILD_TESTS=OFF \
  -DAKIS_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target fuzzers
filter=()
if [ $# -gt 0 ]; then
  filter=(-R "^fuzz_($(IFS='|'; echo "$*"))\$")
fi
cd "$build"
ctest -L fuzz "${filter[@]}" --output-on-failure
