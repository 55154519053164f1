#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The tests and the demo run their own pcscd (one socket serves the machine). On a desktop Debian the
# packaged pcscd is socket-activated by systemd: stop it for the duration (it starts again on demand
# after `systemctl start pcscd.socket`).
set -u
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for unit in pcscd.socket pcscd.service; do
    if systemctl is-active --quiet "$unit"; then
      echo "stopping $unit (tests run their own pcscd; 'systemctl start pcscd.socket' brings it back)"
      systemctl stop "$unit" || true
    fi
  done
fi
exit 0
