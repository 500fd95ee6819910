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

start=$(date +%s)
passed=0 failed=0 failures=()
suite() {
  local name=$1; shift
  local t0=$(date +%s)
  echo "=== $name: $*"
  if "$@"; then
    passed=$((passed + 1)); echo "=== $name: ok ($(( $(date +%s) - t0 ))s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($(( $(date +%s) - t0 ))s)"
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
