#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every source file the project wrote carries an SPDX licence line (the licence is in LICENSE).
#   scripts/spdx.sh --check   lists the files without one and fails if there are any (a test runs this)
#   scripts/spdx.sh --add     adds the line where it is missing (after a shebang line)
set -euo pipefail
cd "$(dirname "$0")/.."
id="SPDX-License-Identifier: LGPL-2.1-or-later"
mode=${1:---check}
git rev-parse --git-dir >/dev/null 2>&1 || { echo "spdx.sh: not a git checkout (the file list is git's)"; exit 77; }
missing=0
while IFS= read -r f; do
  [ -f "$f" ] || continue
  head -n 3 "$f" | grep -q "SPDX-License-Identifier:" && continue
  case "$f" in
    *.cpp|*.hpp|*.h|*.c|*.java|*.js) line="// $id" ;;
    *.sh|*.py|*CMakeLists.txt|*.cmake|*.bash-completion) line="# $id" ;;
    *) continue ;;
  esac
  if [ "$mode" = --add ]; then
    if head -n 1 "$f" | grep -q '^#!'; then sed -i "1a $line" "$f"; else sed -i "1i $line" "$f"; fi
  else
    echo "no SPDX line: $f"; missing=1
  fi
done < <(git ls-files -- ':!:debian/*' ':!:tests/field/*' ':!:fuzz/corpus/*')
exit $missing
