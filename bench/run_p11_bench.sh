#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs bench/p11_bench against three modules in one run, on this machine:
#   ours (akis-pkcs11.so) and OpenSC's (opensc-pkcs11.so with its AKİS driver) on the same virtual v1.0 card in a
#   real pcscd (private namespaces: its own pcscd, nothing else disturbed), and SoftHSM2 (a software token).
# Usage (as root, after a build): bench/run_p11_bench.sh [BUILD_DIR]   Prints a Markdown table (ns per call).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
if [ -z "${AKIS_BENCH_INSIDE:-}" ]; then
  mkdir -p /run/pcscd
  exec unshare --mount --net --pid --fork --mount-proc env AKIS_BENCH_INSIDE=1 "$0" "$build"
fi
mount -t tmpfs tmpfs /run/pcscd
ip link set lo up
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/reader.conf.d" "$work/tokens"
printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x8C7B\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID 0x8C7B\n' \
  > "$work/reader.conf.d/vpcd"
pcscd -f -c "$work/reader.conf.d" >"$work/pcscd.log" 2>&1 &
sleep 1
"$build/tools/vcard/akis-vcard" personalise --family 1.0 --pre2011 --out "$work/card.json" --ca-dir "$work/ca" >/dev/null
"$build/tools/vcard/akis-vcard" run --state "$work/card.json" --port 35963 >"$work/card.log" 2>&1 &
sleep 1

printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$work/tokens" > "$work/softhsm2.conf"
export SOFTHSM2_CONF="$work/softhsm2.conf"
softhsm2-util --init-token --free --label bench --so-pin 87654321 --pin 123456 >/dev/null
printf 'app default {\n  card_drivers = akis;\n}\n' > "$work/opensc.conf"

declare -A results
run() {  # run NAME MODULE [options]
  local name=$1; shift
  while IFS=$'\t' read -r call ns; do results["$name|$call"]=$ns; done < <("$build/bench/p11_bench" "$@")
}
run ours "$build/pkcs11/akis-pkcs11.so"
run ours-no-threads "$build/pkcs11/akis-pkcs11.so" --no-threads --iterations 200
run softhsm2 /usr/lib/softhsm/libsofthsm2.so
OPENSC_CONF="$work/opensc.conf" run opensc /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --iterations 200

ratio() { awk -v o="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f", o / s; else print "?" }'; }
echo "| call (ns per call, median of 7 runs) | ours | SoftHSM2 | ours / SoftHSM2 | OpenSC 0.23 (akis driver) | ours / OpenSC | ours without its monitor thread |"
echo "|---|---|---|---|---|---|---|"
for call in C_GetSlotList C_GetSlotInfo C_GetTokenInfo C_OpenSession+C_CloseSession; do
  o=${results["ours|$call"]:-?}; s=${results["softhsm2|$call"]:-?}; c=${results["opensc|$call"]:-?}
  echo "| $call | $o | $s | $(ratio "$o" "$s") | $c | $(ratio "$o" "$c") | ${results["ours-no-threads|$call"]:-?} |"
done
