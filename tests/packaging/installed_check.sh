#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside `unshare --mount --net --pid --fork --mount-proc` (deb_test.sh): overlays with tmpfs upper
# directories over /usr, /etc and /var, a private /run, then the packages installed with dpkg, used on a virtual card
# through p11-kit-proxy and the compatibility path, the unlock service run as its system user, everything purged,
# and the overlays' upper directories must hold nothing of ours. Arguments: WORK_DIR PROJECT_VERSION.
set -euo pipefail
work=$1 version=$2
ns=$work/ns
mkdir -p "$ns"
mount -t tmpfs tmpfs "$ns"
for d in usr etc var; do
  mkdir -p "$ns/lower/$d" "$ns/upper/$d" "$ns/work/$d"
  mount --bind "/$d" "$ns/lower/$d"  # the machine's view, for the comparison at the end
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$ns/upper/$d,workdir=$ns/work/$d" "/$d"
done
mount -t tmpfs tmpfs /run  # no systemd, pcscd or lock of the machine is reachable from here
mkdir -p /run/pcscd /run/lock
ip link set lo up
export HOME=$ns/home
mkdir -p "$HOME"
rm -f /var/lib/man-db/auto-update  # no man-db trigger (slow); only in the overlay

fail() { echo "FAIL: $*"; exit 1; }
check() { echo "ok: $*"; }
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap stop_all EXIT

debs=()
for p in akis-pkcs11 akis-tools akis-unlockd akis-gui; do debs+=("$(ls "$work/${p}_"*.deb)"); done
dpkg -i "${debs[@]}" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
for p in akis-pkcs11 akis-tools akis-unlockd akis-gui; do
  [ "$(dpkg-query -W -f '${db:Status-Abbrev}${Version}' "$p")" = "ii $version" ] || fail "$p is not installed at $version"
done
check "installed: akis-pkcs11 akis-tools akis-unlockd akis-gui $version"

# The installed files where applications and p11-kit look for them.
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
module=/usr/lib/$multiarch/pkcs11/akis-pkcs11.so
[ "$(readlink -f /usr/lib/libakisp11.so)" = "$module" ] || fail "/usr/lib/libakisp11.so does not lead to $module"
grep -qx 'module: akis-pkcs11.so' /usr/share/p11-kit/modules/akis.module || fail "akis.module does not name the bare module"
[ "$(pkg-config --variable=module akis-pkcs11)" = "$module" ] || fail "pkg-config names another module path"
[ "$(pkg-config --modversion akis-pkcs11)" = "$version" ] || fail "pkg-config version"
dpkg-query -W -f '${Conffiles}\n' akis-pkcs11 | grep -q ' /etc/akis/pkcs11.conf ' || fail "pkcs11.conf is not a conffile"
[ "$(akis --version)" = "akis $version" ] || fail "akis --version: $(akis --version)"
for f in /usr/share/man/man1/akis.1.gz /usr/share/man/man1/akis-vcard.1.gz /usr/share/man/man8/akis-unlockd.8.gz \
         /usr/share/bash-completion/completions/akis /usr/share/akis/web/index.html /lib/systemd/system/akis-unlockd.service \
         /usr/share/man/man1/akis-gui.1.gz /usr/share/applications/akis-gui.desktop \
         /usr/share/icons/hicolor/scalable/apps/akis-gui.svg /usr/share/akis-gui/translations/akis-gui_tr.qm; do
  [ -s "$f" ] || fail "$f missing"
done
for f in "$module" /usr/bin/akis /usr/bin/akis-vcard /usr/sbin/akis-unlockd /usr/bin/akis-gui; do
  ! readelf -S "$f" | grep -q '\.symtab' || fail "$f is not stripped"
done
check "paths: module, compatibility link, p11-kit file, pkg-config, conffile, man pages, completion, stripped"
# The installed desktop app starts (offscreen) and keeps running until it is stopped.
rc=0; QT_QPA_PLATFORM=offscreen timeout 5 akis-gui >"$work/gui.log" 2>&1 || rc=$?
[ "$rc" = 124 ] || { cat "$work/gui.log"; fail "akis-gui did not stay up (exit $rc)"; }
check "akis-gui starts from its package"

# A virtual card in a private pcscd, made by the installed akis-vcard.
akis-vcard personalise --out "$ns/card.json" --ca-dir "$ns/ca" --pin 123456 --holder "AYSE YILMAZ" >/dev/null
mkdir -p "$ns/reader.conf.d"
printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x8C7B\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID 0x8C7B\n' \
  >"$ns/reader.conf.d/vpcd"
pcscd -f -c "$ns/reader.conf.d" >"$ns/pcscd.log" 2>&1 & pids+=($!)
akis-vcard run --state "$ns/card.json" >"$ns/vcard.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do pkcs11-tool --module /usr/lib/libakisp11.so -L 2>/dev/null | grep -q "serial num" && break; sleep 0.1; done

direct=$(pkcs11-tool --module /usr/lib/libakisp11.so -L 2>&1) || fail "pkcs11-tool on /usr/lib/libakisp11.so: $direct"
serial=$(sed -n 's/^ *serial num *: *//p' <<<"$direct" | head -1)
[ -n "$serial" ] || fail "no token through /usr/lib/libakisp11.so: $direct"
p11kit=$(p11-kit list-modules 2>&1)
awk '/^akis: /{f=1;print;next} /^[^ ]/{f=0} f' <<<"$p11kit" >"$ns/p11kit-akis"
grep -qx 'akis: akis-pkcs11.so' "$ns/p11kit-akis" || fail "p11-kit list-modules does not show our module: $p11kit"
grep -q "library-version: ${version%.*}$" "$ns/p11kit-akis" || fail "p11-kit shows another library version: $(cat "$ns/p11kit-akis")"
grep -q "serial-number: $serial$" "$ns/p11kit-akis" || fail "p11-kit does not list the card's token: $(cat "$ns/p11kit-akis")"
check "p11-kit list-modules: module akis (akis-pkcs11.so), version ${version%.*}, token $serial"
# The proxy also loads OpenSC, which may see the same card: our token's whole description must be there.
block=$(sed -n '/token label/,/serial num/p' <<<"$direct" | head -8)
proxy=$(pkcs11-tool --module "/usr/lib/$multiarch/p11-kit-proxy.so" -L 2>&1) || fail "pkcs11-tool on p11-kit-proxy: $proxy"
[[ "$proxy" == *"$block"* ]] || fail "p11-kit-proxy does not show our token ($block): $proxy"
check "pkcs11-tool through p11-kit-proxy.so sees our token $serial"

# A signature on the card through the compatibility path, verified by OpenSSL with the card's certificate.
p11() { pkcs11-tool --module /usr/lib/libakisp11.so "$@"; }
id=$(p11 --list-objects --type cert | awk '/ID:/{print $2; exit}')
p11 --read-object --type cert --id "$id" -o "$ns/cert.der" >/dev/null
openssl x509 -inform DER -in "$ns/cert.der" -pubkey -noout >"$ns/pub.pem"
echo "imza" >"$ns/doc.txt"
p11 --login --pin 123456 --sign --id "$id" -m SHA256-RSA-PKCS -i "$ns/doc.txt" -o "$ns/doc.sig" >/dev/null 2>&1 \
  || fail "signing through /usr/lib/libakisp11.so"
openssl dgst -sha256 -verify "$ns/pub.pem" -signature "$ns/doc.sig" "$ns/doc.txt" >/dev/null \
  || fail "the signature made through the compatibility path does not verify"
check "/usr/lib/libakisp11.so: certificate read, signature on the card verified by OpenSSL"
stop_all

# The unlock service as its system user, with its installed portal pages (no --web-dir).
getent passwd akis-unlockd >/dev/null || fail "no system user akis-unlockd"
[ "$(stat -c '%U %a' /var/lib/akis-unlockd)" = "akis-unlockd 700" ] || fail "/var/lib/akis-unlockd: $(stat -c '%U %a' /var/lib/akis-unlockd)"
data=/var/lib/akis-unlockd
# setpriv execs (runuser forks, and a killed runuser can leave the service behind).
as_service=(setpriv --reuid=akis-unlockd --regid=akis-unlockd --clear-groups --reset-env
            env PATH=/usr/sbin:/usr/bin:/bin SOFTHSM2_CONF=$data/softhsm2.conf AKIS_UNLOCKD_TOKEN_PIN=7654321)
as_service() { "${as_service[@]}" "$@"; }
as_service sh -c "mkdir -m 700 $data/tokens && echo 'directories.tokendir = $data/tokens' > $data/softhsm2.conf \
  && umask 077 && openssl rand -hex 32 > $data/master.hex"
as_service softhsm2-util --init-token --free --label akis-unlock --so-pin 12345678 --pin 7654321 >/dev/null
as_service akis-unlockd import-master --issuer-master $data/master.hex >/dev/null
"${as_service[@]}" akis-unlockd serve --data $data --port 18443 >"$ns/unlockd.log" 2>&1 & pids+=($!)
page=""
for _ in $(seq 100); do page=$(curl -sk https://127.0.0.1:18443/ 2>/dev/null) && [ -n "$page" ] && break; sleep 0.1; done
grep -q '<title>PIN' <<<"$page" || { cat "$ns/unlockd.log"; fail "akis-unlockd does not serve its installed portal page"; }
check "akis-unlockd serve as user akis-unlockd: the installed portal page over HTTPS"
stop_all
! pgrep -u akis-unlockd >/dev/null || fail "a process of akis-unlockd survived its stop"  # this PID namespace only

# Purge: nothing of ours may stay (files, conffiles, the system user, the data directory).
dpkg --purge akis-gui akis-unlockd akis-tools akis-pkcs11 >>"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg --purge"; }
! getent passwd akis-unlockd >/dev/null || fail "the system user akis-unlockd is left"
! getent group akis-unlockd >/dev/null || fail "the group akis-unlockd is left"
for p in akis-pkcs11 akis-tools akis-unlockd akis-gui; do
  st=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  case $st in ""|"un "|"pn ") ;; *) fail "$p is still known to dpkg: $st" ;; esac
done
# Every file the packages' lifetime left in the overlays: a new one, or one changed from the machine's, is ours
# unless it is dpkg's or the system's own bookkeeping.
left=$(cd "$ns/upper" && find . \( -type f -o -type l -o -type c \) | sed 's|^\./||' | sort | while read -r f; do
  if [ -f "$ns/lower/$f" ] && [ ! -L "$ns/upper/$f" ] && cmp -s "$ns/upper/$f" "$ns/lower/$f"; then continue; fi
  case $f in
    var/lib/dpkg/*|var/log/*|var/cache/debconf/*|var/cache/ldconfig/*|etc/ld.so.cache) ;;
    var/lib/man-db/auto-update) ;;  # removed above (a whiteout)
    etc/passwd-|etc/group-|etc/shadow-|etc/gshadow-) ;;  # adduser's backups of the files compared below
    *) echo "$f" ;;
  esac
done)
[ -z "$left" ] || fail "left after purge: $left"
for f in passwd group shadow gshadow; do
  cmp -s "/etc/$f" "$ns/lower/etc/$f" || ! grep -q akis "/etc/$f" || fail "/etc/$f still names akis"
done
check "purged: no file, conffile, data directory, user or group left"
