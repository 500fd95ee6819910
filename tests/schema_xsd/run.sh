#!/usr/bin/env bash
# adr-schema against its referees (issue 2):
#  1. every message type our codec writes (generated, 20 per type, fixed seed)
#     validates against the official OpenADR 2.0b XSDs with xmllint;
#  2. every message openleadr writes (generated now, never copied) parses with
#     our codec (`oadr parse`), re-serialises (`oadr fmt`) to XSD-valid XML,
#     and openleadr's own parser reads the same content from both;
#  3. `oadr validate` accepts a valid file and rejects a broken one.
# The XSDs come from the openleadr package installed by tests/interop/setup.sh.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
bash tests/interop/setup.sh || exit 2
source tests/interop/env.sh
[ -n "$OADR_XSD" ] || exit 2

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build -q --workspace --all-targets || exit 2
OADR="$TARGET/debug/oadr"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | head -20 | sed 's/^/    /'; fail=$((fail + 1)); }

# 1. Our generated messages of every type.
"$TARGET/debug/examples/write_samples" "$WORK/ours" 20 || exit 2
types=$(ls "$WORK/ours" | sed 's/-[0-9]*\.xml$//' | sort -u | wc -l)
[ "$types" -eq 23 ] && ok || bad "expected 23 message types, got $types"
out=$(cd "$WORK/ours" && xmllint --noout --nonet --schema "$OADR_XSD" ./*.xml 2>&1)
n_ok=$(echo "$out" | grep -c ' validates$')
n_all=$(ls "$WORK/ours" | wc -l)
echo "xsd: $n_ok of $n_all generated messages validate"
if [ "$n_ok" -eq "$n_all" ]; then ok; else bad "generated messages fail the XSD" "$(echo "$out" | grep -v ' validates$')"; fi

# 2. openleadr's messages: parse, re-serialise, validate, same content.
"$INTEROP_PY" tests/interop/gen_openleadr_messages.py "$WORK/theirs" >/dev/null 2>&1 || { bad "openleadr message generation"; }
mkdir -p "$WORK/refmt"
for f in "$WORK"/theirs/*.xml; do
  name=$(basename "$f")
  if ! "$OADR" parse "$f" >/dev/null 2>"$WORK/err"; then bad "parse $name" "$(cat "$WORK/err")"; continue; fi
  ok
  if ! "$OADR" fmt "$f" >"$WORK/refmt/$name" 2>"$WORK/err"; then bad "fmt $name" "$(cat "$WORK/err")"; continue; fi
  if out=$(xmllint --noout --nonet --schema "$OADR_XSD" "$WORK/refmt/$name" 2>&1); then ok; else bad "xsd refmt $name" "$out"; fi
done
echo "openleadr: $(ls "$WORK"/theirs/*.xml | wc -l) messages parsed and re-serialised"
if out=$("$INTEROP_PY" tests/schema_xsd/compare_content.py "$WORK/theirs" "$WORK/refmt" 2>&1); then
  ok; echo "$out" | tail -1
else
  bad "openleadr reads different content from our re-serialisation" "$(echo "$out" | grep -v '^PASS')"
fi

# 3. oadr validate.
sample=$(ls "$WORK"/ours/oadrDistributeEvent-*.xml | head -1)
if "$OADR" validate --xsd "$OADR_XSD" "$sample" >/dev/null 2>&1; then ok; else bad "oadr validate rejects a valid file"; fi
sed 's/<ei:eventStatus>[a-z]*</<ei:eventStatus>sometime</' "$sample" >"$WORK/broken.xml"
if "$OADR" validate --xsd "$OADR_XSD" "$WORK/broken.xml" >/dev/null 2>&1; then bad "oadr validate accepts an invalid file"; else ok; fi
if printf '<oadrPayload' | "$OADR" parse - >/dev/null 2>&1; then bad "oadr parse accepts a truncated document"; else ok; fi

echo "schema_xsd: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
