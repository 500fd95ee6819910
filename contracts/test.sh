#!/usr/bin/env bash
# Tests of the Clarity contracts: the vitest simnet suite (unit, end-to-end,
# fixtures, fast-check invariants), then the rendezvous property/invariant
# runs. Fixed seeds, bounded runs; exits non-zero on any failure.
#
#   bash contracts/test.sh
#   PBT_RUNS=100 RV_RUNS=500 bash contracts/test.sh     # longer runs
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PBT_SEED="${PBT_SEED:-20251125}"
export PBT_RUNS="${PBT_RUNS:-20}"
RV_SEED="${RV_SEED:-20251125}"
RV_RUNS="${RV_RUNS:-100}"

# npm ci when node_modules is missing or package-lock.json changed since the last install.
ensure_deps() {
  local dir="$1" stamp hash
  stamp="$dir/node_modules/.package-lock.sha256"
  hash="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$hash" ]]; then
    echo "== npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$hash" > "$stamp"
  fi
}

passed=0
failed=0

# ---- vitest + clarinet-sdk simnet -------------------------------------------
ensure_deps "$HERE"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
echo "== vitest (PBT_SEED=$PBT_SEED PBT_RUNS=$PBT_RUNS)"
set +e
(cd "$HERE" && npx vitest run --reporter=default --reporter=json --outputFile.json="$report")
vitest_rc=$?
set -e
if [[ -s "$report" ]]; then
  read -r vp vf < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites || 0));' "$report")
else
  vp=0; vf=1
fi
passed=$((passed + vp))
failed=$((failed + vf))
if [[ $vitest_rc -ne 0 && $vf -eq 0 ]]; then failed=$((failed + 1)); fi

# ---- rendezvous (own folder, clarinet-sdk 3.12.0) ----------------------------
ensure_deps "$HERE/rendezvous"
for target in "reward-token invariant" "reward-token test" "user-registry invariant" "user-registry test"; do
  read -r contract kind <<<"$target"
  log="$(mktemp)"
  echo "== rv $contract $kind --seed=$RV_SEED --runs=$RV_RUNS"
  set +e
  (cd "$HERE/rendezvous" && npx rv . "$contract" "$kind" --seed="$RV_SEED" --runs="$RV_RUNS") >"$log" 2>&1
  rc=$?
  set -e
  # a run passes if rv exits 0, reports no failure and checked something
  if [[ $rc -eq 0 ]] && ! grep -q '\[FAIL\]' "$log" && grep -q '+ PASSED' "$log" \
     && ! grep -qE '^\s*[│├└].*(invariant|test)-[a-z0-9-]+: x[1-9]' <(sed -n '/- FAILED/,$p' "$log"); then
    passed=$((passed + 1))
    sed -n '/PASSED/,/^$/p' "$log" | head -8
  else
    failed=$((failed + 1))
    echo "rendezvous $contract $kind FAILED (exit $rc):"
    tail -60 "$log"
  fi
  rm -f "$log"
done

echo "contracts: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
