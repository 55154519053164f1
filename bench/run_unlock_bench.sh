#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The unlock service under load (issue 13), on this machine, in private namespaces (own ports, own /tmp):
#   SQLite, 1 instance: check and authorize, 50 clients; check again while 8 slow-loris sockets and 4 chunked
#   256 MB uploads run for the whole measurement (honest throughput kept, peak RSS);
#   PostgreSQL (a server started here as nobody), 1 and 3 instances: check and authorize, 50 clients.
# Usage (as root, after building akis-unlockd and unlock_load): bench/run_unlock_bench.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
secs=${2:-5}
if [ -z "${AKIS_BENCH_INSIDE:-}" ]; then
  exec unshare --mount --net --pid --fork --mount-proc env AKIS_BENCH_INSIDE=1 "$0" "$build" "$secs"
fi
mount -t tmpfs -o mode=1777 tmpfs /tmp
ip link set lo up
unlockd="$build/tools/unlockd/akis-unlockd"
load="$build/bench/unlock_load"
work=$(mktemp -d)
chmod 700 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

mkdir -p "$work/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$work/tokens" > "$work/softhsm2.conf"
export SOFTHSM2_CONF="$work/softhsm2.conf" AKIS_UNLOCKD_TOKEN_PIN=87654321 AKIS_UNLOCKD_PASSWORD=parola-bench
softhsm2-util --init-token --free --label akis-unlock --so-pin 12345678 --pin 87654321 >/dev/null
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/master.hex"
chmod 600 "$work/master.hex"
"$unlockd" import-master --issuer-master "$work/master.hex" >/dev/null

pg=$(mktemp -d /tmp/akis-pg-XXXXXX)
chown nobody:nogroup "$pg"
pgbin=/usr/lib/postgresql/15/bin
(cd "$pg" && setpriv --reuid=nobody --regid=nogroup --clear-groups "$pgbin/initdb" -D "$pg/data" -U akis --auth=trust \
  -E UTF8 >/dev/null)
setpriv --reuid=nobody --regid=nogroup --clear-groups "$pgbin/postgres" -D "$pg/data" -k "$pg" -c listen_addresses= \
  -c max_connections=200 >"$pg/log" 2>&1 &
pgpid=$!
until "$pgbin/pg_isready" -q -h "$pg"; do sleep 0.1; done
"$pgbin/createdb" -h "$pg" -U akis akis
postgres="postgresql:host=$pg dbname=akis user=akis"

setup() {  # $1 data dir, $2 database: 50 accounts user<i>, card serial i+1 each
  for i in $(seq 0 49); do
    "$unlockd" add-account --data "$1" --database "$2" --username "user$i" --name "User $i" >/dev/null
    "$unlockd" enrol --data "$1" --database "$2" --username "user$i" --serial "$(printf '%024X' $((i + 1)))" >/dev/null
  done
}
start() {  # $1 data dir, $2 database, $3 instances
  local n
  pids=()
  for n in $(seq 0 $(($3 - 1))); do
    "$unlockd" serve --data "$1" --database "$2" --port $((18443 + n)) --max-failures-per-address 1000000000 \
      --max-codes-per-account 1000000000 >"$1/serve$n.log" 2>&1 &
    pids+=($!)
    until curl -sk -o /dev/null "https://127.0.0.1:$((18443 + n))/api/portal/me"; do sleep 0.1; done
  done
}
stop() { kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true; }
ports() { seq -s ' ' 18443 $((18443 + $1 - 1)); }
attack() {  # for $1 seconds: 8 slow-loris sockets (a byte a second) and 4 chunked 256 MB uploads, each reconnecting
  for i in $(seq 8); do
    timeout "$1" bash -c 'while :; do for i in $(seq 12); do printf P; sleep 1; done |
      openssl s_client -quiet -connect 127.0.0.1:18443 2>/dev/null; done' &
  done
  for i in $(seq 4); do
    timeout "$1" bash -c 'while :; do head -c 256M /dev/zero | curl -sk -o /dev/null -H "Transfer-Encoding: chunked" \
      --data-binary @- https://127.0.0.1:18443/api/v1/unlock/check; done' &
  done
}

echo "## SQLite"
mkdir -m 700 "$work/sqlite"
setup "$work/sqlite" sqlite
start "$work/sqlite" sqlite 1
ca="$work/sqlite/tls-cert.pem"
"$load" check 50 "$secs" "$ca" 18443 || true
"$load" authorize 50 "$secs" "$ca" 18443 || true
"$load" check 50 "$secs" "$ca" 18443 || true
attack $((secs + 2))
sleep 1
echo -n "under attack: "
"$load" check 50 "$secs" "$ca" 18443 || true
wait $(jobs -p | grep -v "$pgpid" | grep -v "${pids[0]}") 2>/dev/null || true
echo "peak RSS of the instance: $(awk '/VmHWM/ {print $2 / 1024 " MiB"}' /proc/${pids[0]}/status)"
stop

echo "## PostgreSQL"
mkdir -m 700 "$work/pg"
cp "$work/sqlite/server-secret.hex" "$work/sqlite/tls-cert.pem" "$work/sqlite/tls-key.pem" "$work/pg/"
setup "$work/pg" "$postgres"
for n in 1 3; do
  start "$work/pg" "$postgres" "$n"
  "$load" check 50 "$secs" "$ca" $(ports "$n") || true
  "$load" authorize 50 "$secs" "$ca" $(ports "$n") || true
  stop
done
kill -INT "$pgpid"
wait "$pgpid" 2>/dev/null || true
