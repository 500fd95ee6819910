#!/usr/bin/env bash
# Validate OpenADR 2.0b XML files against the official oadr_20b.xsd (as shipped
# in the pinned openleadr package) with xmllint.
# Usage: tests/interop/validate.sh FILE...
# Prints "PASS file" / "FAIL file" (+ xmllint's errors) per file and a closing
# "N passed, M failed" line; exits 1 if any file fails, 2 on usage error.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -eq 0 ]; then
  echo "usage: $0 FILE..." >&2
  exit 2
fi
bash "$HERE/setup.sh" || exit 2
# shellcheck source=env.sh
source "$HERE/env.sh"
[ -n "$OADR_XSD" ] || exit 2

pass=0 fail=0
for f in "$@"; do
  if out="$(xmllint --noout --nonet --schema "$OADR_XSD" "$f" 2>&1)"; then
    echo "PASS $f"
    pass=$((pass + 1))
  else
    echo "FAIL $f"
    echo "$out" | grep -v ' fails to validate$' | sed 's/^/    /'
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
