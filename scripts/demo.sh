#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The demo: a virtual AKİS card in a real pcscd reader, its certificates, and a signature made through
# the PKCS#11 module and verified by OpenSSL. Everything it starts is stopped by PID at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
module=$build/pkcs11/akis-pkcs11.so
vcard=$build/tools/vcard/akis-vcard
work=$(mktemp -d /tmp/akis-demo-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
p11() { pkcs11-tool --module "$module" "$@"; }

[ -x "$module" ] && [ -x "$vcard" ] || { echo "build first: cmake -S . -B build && cmake --build build"; exit 1; }
"$root/scripts/stop-system-pcscd.sh"
if pgrep -x pcscd >/dev/null; then
  echo "a pcscd is already running; stop it first (the demo runs its own)"; exit 1
fi

say "1. Personalise a virtual AKİS card (keys generated on the card, certificates from a test CA)"
"$vcard" personalise --out "$work/card.json" --ca-dir "$work/ca" --pre2011 --ec \
  --holder "AYŞE GÜL YILDIRIM" --national-id 10000000146 --pin 123456 --puk 87654321

say "2. Start pcscd with the vsmartcard virtual reader, and insert the card"
mkdir -p "$work/reader.conf.d"
cat > "$work/reader.conf.d/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME /dev/null:0x8C7B
LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID 0x8C7B
CONF
pcscd -f -c "$work/reader.conf.d" >"$work/pcscd.log" 2>&1 &
pids+=($!)
"$vcard" run --state "$work/card.json" >"$work/vcard.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  opensc-tool -l 2>/dev/null | grep -q "Yes.*Virtual PCD 00 00" && break
  sleep 0.1
done
opensc-tool -l
echo "ATR: $(opensc-tool -r 'Virtual PCD 00 00' -a 2>/dev/null | tail -1)  (AKİS 2.x family)"

say "3. The token, as any PKCS#11 application sees it through our module"
p11 --list-token-slots | sed -n '1,12p'

say "4. The certificates on the card"
p11 --list-objects --type cert
id=$(p11 --list-objects --type cert | awk '/label: *Nitelikli/{f=1} f&&/ID:/{print $2; exit}')
p11 --read-object --type cert --id "$id" -o "$work/cert.der" >/dev/null
openssl x509 -inform DER -in "$work/cert.der" -noout -nameopt oneline,-esc_msb -subject -issuer -dates -ext keyUsage,certificatePolicies
openssl x509 -inform DER -in "$work/cert.der" -out "$work/cert.pem"
openssl verify -CAfile "$work/ca/ca-cert.pem" "$work/cert.pem"

say "5. Sign a document on the card through the PKCS#11 module (PIN 123456)"
printf 'Sayın ilgili,\nBu belge AKİS kartı üzerinde, açık kaynak PKCS#11 modülü ile imzalanmıştır.\n' >"$work/belge.txt"
cat "$work/belge.txt"
p11 --login --pin 123456 --sign --id "$id" -m SHA256-RSA-PKCS -i "$work/belge.txt" -o "$work/belge.sig"
echo "signature: $(stat -c %s "$work/belge.sig") bytes, $(head -c 16 "$work/belge.sig" | od -An -tx1 | tr -d ' \n')..."

say "6. Verify the signature with OpenSSL, using the certificate read from the card"
openssl x509 -in "$work/cert.pem" -pubkey -noout >"$work/pub.pem"
openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/belge.sig" "$work/belge.txt"
printf 'tampered\n' >>"$work/belge.txt"
if openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/belge.sig" "$work/belge.txt" >/dev/null 2>&1; then
  echo "ERROR: a changed document verified"; exit 1
fi
echo "A changed document does not verify: as it should be."

say "Demo finished: card, certificates, a signature made on the card and verified."
