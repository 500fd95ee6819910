#!/usr/bin/env bash
# Issue 13: no VEN reading lost across restarts. Our VEN (`ven run`) against
# our VTN (`vtn serve`, report_granularity PT1S, --poll-freq PT1S); kill -9 of
# each process in each order while readings flow, including a VEN restarted
# while its VTN is down. Each VEN start registers its reports again, so the
# VTN supersedes the report requests and refuses readings under the old ones
# (461): the VEN must send them under the current request.
#
# Judged on the VTN (`vtn readings --json`): no (reportSpecifierID, rID,
# dtstart) stored twice, and the power, energy and status series have no hole
# (> 1.5 s at 1 s granularity) from the first reading to 5 s before the end;
# on the VEN's log: no readings dropped.
#
# Runs binaries only: build first with `cargo build -p vtn -p ven`
# (CARGO_TARGET_DIR is honoured; E2E_VEN / E2E_VTN name other binaries).
# KEEP_TMP=1 keeps logs and databases.
# Prints PASS/FAIL per step, then `ven_restart: N passed, M failed`.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
case "$TARGET" in /*) ;; *) TARGET="$REPO/$TARGET" ;; esac
VTN="${E2E_VTN:-$TARGET/debug/vtn}"
VEN="${E2E_VEN:-$TARGET/debug/ven}"
for b in "$VTN" "$VEN"; do
  if [ ! -x "$b" ]; then
    echo "FAIL $b missing: cargo build -p vtn -p ven"
    echo "ven_restart: 0 passed, 1 failed"
    exit 1
  fi
done

TMP="$(mktemp -d -t ven-restart-e2e.XXXXXX)"
VTN_PID=""
VEN_PID=""
cleanup() {
  for p in $VTN_PID $VEN_PID; do kill -9 "$p" 2>/dev/null; done
  for p in $VTN_PID $VEN_PID; do wait "$p" 2>/dev/null; done
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() {
  echo "FAIL $1${2:+ ($2)}"
  failed=$((failed + 1))
}
wait_until() { # SECONDS CMD...
  local end=$((SECONDS + $1))
  shift
  while :; do
    "$@" && return 0
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.3
  done
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

export RUST_BACKTRACE=0
export VTN_ADMIN_TOKEN="e2e-$RANDOM-$RANDOM"
unset VTN_CA VTN_CLIENT_CERT VTN_CLIENT_KEY VTN_CONFIG VTN_TLS_STACK
VTN_PORT="$(free_port)"
export VTN_API="http://127.0.0.1:$VTN_PORT"
BASE="http://127.0.0.1:$VTN_PORT/OpenADR2/Simple/2.0b"
NAME=restart-ven
printf 'report_granularity = "PT1S"\nregistration_policy = "open"\n' >"$TMP/vtn.toml"

vtn_up() { "$VTN" vens list --json >/dev/null 2>>"$TMP/cli.err"; }
start_vtn() {
  "$VTN" serve --listen "127.0.0.1:$VTN_PORT" --db "$TMP/vtn.db" --config "$TMP/vtn.toml" \
    --poll-freq PT1S >>"$TMP/vtn.log" 2>&1 &
  VTN_PID=$!
  wait_until 15 vtn_up
}
kill_vtn() {
  kill -9 "$VTN_PID" 2>/dev/null
  wait "$VTN_PID" 2>/dev/null
  VTN_PID=""
}
start_ven() {
  RUST_LOG="${RUST_LOG:-info}" "$VEN" run --vtn "$BASE" --name "$NAME" --db "$TMP/ven.db" \
    >>"$TMP/ven.log" 2>&1 &
  VEN_PID=$!
}
kill_ven() {
  kill -9 "$VEN_PID" 2>/dev/null
  wait "$VEN_PID" 2>/dev/null
  VEN_PID=""
}
count() {
  "$VTN" readings --ven "$NAME" --json --limit 1000000 2>>"$TMP/cli.err" |
    python3 -c 'import json,sys
try: print(len(json.load(sys.stdin)))
except Exception: print(0)'
}
more_than() { [ "$(count)" -gt "$1" ]; }
# requests SPEC: how many report requests the VTN made for the VEN's SPEC.
requests() {
  "$VTN" reports list --ven "$NAME" 2>>"$TMP/cli.err" |
    SPEC="$1" python3 -c 'import json,os,sys
try: print(sum(1 for r in json.load(sys.stdin)["requests"] if r["report_name"] == os.environ["SPEC"]))
except Exception: print(0)'
}
more_requests_than() { [ "$(requests TELEMETRY_USAGE)" -gt "$1" ]; }
flowing() { # readings keep arriving: a few more than now
  local n
  n="$(count)"
  wait_until 20 more_than $((n + 3))
}

start_vtn || fail "VTN starts" "see $TMP/vtn.log"
start_ven
if wait_until 30 more_than 5; then pass "readings flow"; else fail "readings flow"; fi

# 1. VTN up: kill -9 the VEN, start it again.
r="$(requests TELEMETRY_USAGE)"
kill_ven
start_ven
if wait_until 20 more_requests_than "$r" && flowing; then
  pass "1. VEN killed with the VTN up: re-registered (request superseded), readings flow"
else fail "1. VEN killed with the VTN up"; fi

# 2. The issue's order: kill -9 the VTN, wait, kill -9 the VEN, start the VEN
#    while the VTN is down (it samples without being registered), start the VTN.
r="$(requests TELEMETRY_USAGE)"
kill_vtn
sleep 6
kill_ven
start_ven
sleep 6
start_vtn || fail "VTN restarts"
if wait_until 30 more_requests_than "$r" && flowing; then
  pass "2. VTN killed, then the VEN, VEN restarted during the outage: readings flow"
else fail "2. VEN restarted during the VTN outage"; fi

# 3. kill -9 the VEN, then the VTN; start the VEN (VTN down), then the VTN.
r="$(requests TELEMETRY_USAGE)"
kill_ven
kill_vtn
start_ven
sleep 4
start_vtn || fail "VTN restarts"
if wait_until 30 more_requests_than "$r" && flowing; then
  pass "3. VEN killed, then the VTN, VEN restarted first: readings flow"
else fail "3. VEN killed first, restarted first"; fi

# 4. kill -9 the VTN, then the VEN; start the VTN, then the VEN.
r="$(requests TELEMETRY_USAGE)"
kill_vtn
sleep 3
kill_ven
start_vtn || fail "VTN restarts"
start_ven
if wait_until 30 more_requests_than "$r" && flowing; then
  pass "4. VTN killed, then the VEN, VTN restarted first: readings flow"
else fail "4. VTN restarted first"; fi

# Let the backlog drain, then judge on the VTN.
sleep 8
T_END="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
out="$("$VTN" readings --ven "$NAME" --json --limit 1000000 2>>"$TMP/cli.err" |
  T_END="$T_END" python3 -c '
import json, os, sys
from collections import Counter
from datetime import datetime, timedelta
d = json.load(sys.stdin)
p = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
dups = [k for k, n in Counter((r["report_specifier_id"], r["rid"], r["dtstart"]) for r in d).items() if n > 1]
hi = p(os.environ["T_END"]) - timedelta(seconds=5)
gaps = []
for spec, rid in [("TELEMETRY_USAGE", "power"), ("TELEMETRY_USAGE", "energy"), ("TELEMETRY_STATUS", "status")]:
    ts = sorted(p(r["dtstart"]) for r in d if r["report_specifier_id"] == spec and r["rid"] == rid)
    w = [t for t in ts if t <= hi]
    gaps += [(rid, str(a), str(b)) for a, b in zip(w, w[1:]) if (b - a).total_seconds() > 1.5]
    if rid == "power":
        win = w
reqs = len({r["report_request_id"] for r in d if r["rid"] == "power"})
print(f"readings={len(d)} power={len(win)} span_s={(win[-1]-win[0]).total_seconds() if win else 0} requests={reqs} dups={len(dups)} first_dups={dups[:3]} gaps={gaps[:5]}")
sys.exit((0 if not dups else 1) | (0 if not gaps and len(win) >= 30 else 2) | (0 if reqs >= 5 else 4))')"
rc=$?
echo "$out"
if [ $((rc & 1)) -eq 0 ] && [ -n "$out" ]; then pass "no reading stored twice (reportSpecifierID, rID, dtstart)"; else fail "no reading stored twice" "$out"; fi
if [ $((rc & 2)) -eq 0 ] && [ -n "$out" ]; then pass "no hole in the 1 s power, energy and status series across all restarts"; else fail "no hole in the series" "$out"; fi
if [ $((rc & 4)) -eq 0 ] && [ -n "$out" ]; then pass "readings delivered under each superseding request (5 requests)"; else fail "readings under each request" "$out"; fi
if grep -Eq "dropped_stale=[1-9]|readings no report request takes dropped.*specifier=TELEMETRY_USAGE" "$TMP/ven.log"; then
  fail "VEN dropped no TELEMETRY_USAGE reading" "$(grep -E 'dropped' "$TMP/ven.log" | head -3)"
else pass "VEN dropped no TELEMETRY_USAGE reading"; fi
if grep -q panicked "$TMP"/*.log; then fail "no panic"; fi

if [ "$failed" -gt 0 ]; then
  for f in "$TMP"/*.log "$TMP/cli.err"; do
    [ -s "$f" ] || continue
    echo "--- $(basename "$f") (tail) ---"
    tail -n 25 "$f"
  done
fi
echo "ven_restart: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
