#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# First command of the README: installs the Debian packages, builds, and runs the demo on a virtual card.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)"
./scripts/demo.sh
