#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs every Debian 12 package the project needs to build, test and demo.
# Nothing else is downloaded. Run as root (or through sudo).
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config git
  # fuzzing: clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # PC/SC stack and the vsmartcard virtual reader driver
  pcscd libpcsclite-dev vsmartcard-vpcd pcsc-tools
  # crypto: OpenSSL for the module and tools, Botan for the virtual card
  libssl-dev openssl libbotan-2-dev
  # PKCS#11 registration and header
  p11-kit libp11-kit-dev
  # libraries
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libsqlite3-dev
  # real clients used by the tests
  opensc libnss3-tools gnutls-bin openjdk-17-jdk-headless
  # terminal interaction tests
  tmux procps sudo groff-base curl sqlite3 softhsm2
  # the portal page is tested in a real headless browser
  chromium chromium-driver
  # the unlock service's PostgreSQL store (the tests start their own server)
  libpqxx-dev postgresql
  # document signing: PDF (PAdES), XML (XAdES) and their independent verifiers
  libpodofo-dev poppler-utils libxmlsec1-dev xmlsec1 libxml2-dev
  # Debian packages of the project, and browser profiles for `akis setup`
  debhelper lintian fakeroot firefox-esr thunderbird
  # the desktop card manager (Qt 6 Widgets, translations, offscreen tests, a D-Bus session bus)
  qt6-base-dev qt6-tools-dev qt6-l10n-tools qt6-tools-dev-tools libgl-dev dbus-daemon fonts-dejavu-core
  # its menu entry checked as the desktop reads it (desktop-file-validate)
  desktop-file-utils
  # the tray icon's test: an X server without a screen (akis-gui under xcb with a StatusNotifierItem host)
  xvfb
)

if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi

export DEBIAN_FRONTEND=noninteractive
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian starts pcscd through systemd socket activation; our tests run their own pcscd.
# Nothing to configure here: tests pass their own reader.conf.d with `pcscd -c`.
echo "dependencies: all installed"
