#!/usr/bin/env bash
# Every test of the project, from a clean checkout. This is the README's test
# command and what CI runs. It installs what it needs (Debian packages for
# xmllint/xmlsec1, a Python venv with openleadr, npm packages for the
# contracts) and starts every service its tests use; nothing is needed by hand.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR=never
# One target/ for everything; the interop venv lives there too.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
# A one-off build gains nothing from incremental state; it was a third of target/.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

start=$(date +%s)
passed=0 failed=0 failures=()
# Disk is a CI limit too: each suite's line says what target/ holds and what is free.
disk() {
  local used free
  used=$(du -sh "$CARGO_TARGET_DIR" 2>/dev/null | cut -f1)
  free=$(df -h --output=avail "$CARGO_TARGET_DIR" 2>/dev/null | tail -1 | tr -d ' ')
  echo "target ${used:-0} used, ${free:-?} free"
}
suite() {
  local name=$1; shift
  local t0=$(date +%s)
  echo "=== $name: $*"
  if "$@"; then
    passed=$((passed + 1)); echo "=== $name: ok ($(( $(date +%s) - t0 ))s, $(disk))"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($(( $(date +%s) - t0 ))s, $(disk))"
  fi
}

suite setup bash scripts/setup.sh
suite fmt cargo fmt --all -- --check
suite build cargo build --workspace --all-targets
suite clippy cargo clippy --workspace --all-targets -- -D warnings
suite cargo-test cargo test --workspace
suite contracts bash contracts/test.sh
for t in tests/*/run.sh; do
  suite "$(basename "$(dirname "$t")")" bash "$t"
done

echo
echo "test-all finished in $(( $(date +%s) - start ))s"
[ ${#failures[@]} -gt 0 ] && echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
