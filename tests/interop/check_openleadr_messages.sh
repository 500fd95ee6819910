#!/usr/bin/env bash
# Check the reference messages produced by gen_openleadr_messages.py.
# Usage: tests/interop/check_openleadr_messages.sh OUTDIR
# If OUTDIR has no index.json, the messages are generated first. Then:
#   * every *.xml in OUTDIR is validated against oadr_20b.xsd with xmllint;
#   * every file listed in index.json must exist;
#   * every *-signed.xml has its XML signature verified with xmlsec1 against
#     OUTDIR/signing-cert.pem (skipped with a note when xmlsec1 is missing).
# Ends with "N passed, M failed"; exits 1 if anything failed.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
OUT="$1"
bash "$HERE/setup.sh" || exit 2
# shellcheck source=env.sh
source "$HERE/env.sh"
[ -n "$OADR_XSD" ] || exit 2

if [ ! -f "$OUT/index.json" ]; then
  "$INTEROP_PY" "$HERE/gen_openleadr_messages.py" "$OUT" || exit 2
fi

pass=0 fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /'; fail=$((fail + 1)); }

shopt -s nullglob
files=("$OUT"/*.xml)
if [ ${#files[@]} -eq 0 ]; then
  bad "$OUT: no XML files"
fi
for f in "${files[@]}"; do
  if out="$(xmllint --noout --nonet --schema "$OADR_XSD" "$f" 2>&1)"; then
    ok "xsd $(basename "$f")"
  else
    bad "xsd $(basename "$f")" "$(echo "$out" | grep -v ' fails to validate$')"
  fi
done

missing="$("$INTEROP_PY" - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
idx = json.load(open(os.path.join(out, "index.json")))
print(" ".join(e["file"] for e in idx["files"] if not os.path.isfile(os.path.join(out, e["file"]))))
PY
)"
if [ -z "$missing" ]; then ok "index.json lists only existing files"; else bad "index.json: missing $missing"; fi

signed=("$OUT"/*-signed.xml)
if [ ${#signed[@]} -gt 0 ]; then
  if ! command -v xmlsec1 >/dev/null 2>&1; then
    echo "NOTE xmlsec1 not installed: signature checks skipped"
  elif [ ! -f "$OUT/signing-cert.pem" ]; then
    bad "signing-cert.pem missing for signed variants"
  else
    for f in "${signed[@]}"; do
      # openleadr signs a detached Reference URI="#oadrSignedObject" (namespaced oadr:Id).
      if out="$(xmlsec1 --verify --trusted-pem "$OUT/signing-cert.pem" \
          --id-attr:Id "http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject" "$f" 2>&1)"; then
        ok "xmldsig $(basename "$f")"
      else
        bad "xmldsig $(basename "$f")" "$out"
      fi
    done
  fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
