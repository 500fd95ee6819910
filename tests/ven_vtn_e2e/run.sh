#!/usr/bin/env bash
# Our VEN (`ven run`) against our VTN (`vtn serve`), end to end over loopback
# HTTP (issue 4): registration, report registration and telemetry requests,
# readings, event → opt-in, modification, cancellation, in pull mode and in
# push mode; then kill -9 of the VTN mid-reporting and a restart on the same
# database: readings keep arriving, none lost, none twice.
# With E2E_TLS=1 (default: on when `vtn serve --help` offers --tls-stack), the
# pull flow also runs over mutual TLS against `vtn serve --tls-stack openssl`
# and `--tls-stack rustls` (test PKI from certs/make-test-pki.sh).
#
# Every step is judged from the VTN's own records (admin CLI, --json), and from
# the VEN's log where only the VEN can tell (the level it applied). Waits poll
# with timeouts. Prints PASS/FAIL per step, then `ven_vtn_e2e: N passed, M failed`.
# KEEP_TMP=1 keeps the logs and databases.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"
case "$TARGET" in /*) ;; *) TARGET="$REPO/$TARGET" ;; esac
STEP_TIMEOUT="${E2E_STEP_TIMEOUT:-20}"

(cd "$REPO" && cargo build -q --workspace --all-targets) || {
  echo "FAIL build"
  echo "ven_vtn_e2e: 0 passed, 1 failed"
  exit 1
}
VTN="$TARGET/debug/vtn"
VEN="$TARGET/debug/ven"

TMP="$(mktemp -d -t ven-vtn-e2e.XXXXXX)"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
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

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

export RUST_BACKTRACE=0
export VTN_ADMIN_TOKEN="e2e-$RANDOM-$RANDOM"
unset VTN_CA VTN_CLIENT_CERT VTN_CLIENT_KEY VTN_CONFIG VTN_TLS_STACK

# jcheck CMD... -- EXPR: run CMD (its stdout is JSON `d`), true when EXPR holds.
# `ven` is the VEN name in $JVEN (for per-VEN lookups), `a` the extra argument $JARG.
jcheck() {
  local cmd=() expr
  while [ "$1" != "--" ]; do cmd+=("$1"); shift; done
  shift
  expr="$1"
  "${cmd[@]}" 2>>"$TMP/cli.err" | JVEN="${JVEN:-}" JARG="${JARG:-}" python3 -c '
import json, os, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(1)
ven, a = os.environ["JVEN"], os.environ["JARG"]
def vens_of(ev): return {v["ven_name"]: v for v in ev.get("vens", [])}
def event(eid): return next((e for e in d if e["event_id"] == eid), None)
def me(eid): return vens_of(event(eid) or {}).get(ven) or {}
try:
    ok = eval(sys.argv[1])
except Exception:
    ok = False
sys.exit(0 if ok else 1)' "$expr"
}

# env_jcheck VEN ARG CMD... -- EXPR: jcheck with JVEN and JARG set.
env_jcheck() {
  local JVEN="$1" JARG="$2"
  shift 2
  export JVEN JARG
  jcheck "$@"
}

# wait_until SECONDS CMD...: run CMD until it succeeds or the time is up.
wait_until() {
  local t="$1" end
  shift
  end=$((SECONDS + t))
  while :; do
    "$@" && return 0
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.3
  done
}

# step NAME CMD...: PASS when CMD succeeds within STEP_TIMEOUT.
step() {
  local name="$1"
  shift
  if wait_until "$STEP_TIMEOUT" "$@"; then pass "$name"; else fail "$name"; fi
}

log_has() { grep -q -- "$2" "$1"; }

# ---------------------------------------------------------------- the VTN
VTN_PORT="$(free_port)"
export VTN_API="http://127.0.0.1:$VTN_PORT"
BASE="http://127.0.0.1:$VTN_PORT/OpenADR2/Simple/2.0b"
cat >"$TMP/vtn.toml" <<EOF
# Sample and report back every second, so that readings flow at once.
report_granularity = "PT1S"
# VENs here register on the fly (the default, provisioned, needs \`vtn vens add\` first).
registration_policy = "open"
EOF
VTN_PID=""
start_vtn() {
  "$VTN" serve --listen "127.0.0.1:$VTN_PORT" --db "$TMP/vtn.db" --config "$TMP/vtn.toml" \
    --poll-freq PT1S >>"$TMP/vtn.log" 2>&1 &
  VTN_PID=$!
  PIDS+=("$VTN_PID")
  wait_until 15 jcheck "$VTN" vens list --json -- 'isinstance(d, list)'
}
start_vtn || fail "VTN starts" "see $TMP/vtn.log"

start_ven() { # NAME [extra args...]
  local name="$1"
  shift
  RUST_LOG="${RUST_LOG:-info}" "$VEN" run --vtn "$BASE" --name "$name" --db "$TMP/$name.db" "$@" \
    >"$TMP/$name.log" 2>&1 &
  PIDS+=("$!")
}

readings_count() { # VEN -> number of readings the VTN holds for it
  "$VTN" readings --ven "$1" --json --limit 100000 2>>"$TMP/cli.err" |
    python3 -c 'import json,sys
try: print(len(json.load(sys.stdin)))
except Exception: print(0)'
}
more_readings_than() { [ "$(readings_count "$1")" -gt "$2" ]; }

# flow NAME MODE: the event flow for one running VEN, all checked on the VTN.
flow() {
  local name="$1" mode="$2" ev n
  export JVEN="$name"
  if [ "$mode" = pull ]; then
    step "$mode: VEN registers (vens list: registered, pull)" \
      jcheck "$VTN" vens list --json -- \
      'any(v["ven_name"] == ven and v["registered"] and v["http_pull_model"] for v in d)'
  else
    JARG="$PUSH_URL" step "$mode: VEN registers (vens list: registered, push, transport address)" \
      jcheck "$VTN" vens list --json -- \
      'any(v["ven_name"] == ven and v["registered"] and not v["http_pull_model"] and v["transport_address"] == a for v in d)'
  fi
  step "$mode: VEN registers its reports (METADATA: TELEMETRY_USAGE, TELEMETRY_STATUS, HISTORY_USAGE)" \
    jcheck "$VTN" reports list --ven "$name" -- \
    '{"TELEMETRY_USAGE", "TELEMETRY_STATUS", "HISTORY_USAGE"} <= {r["report_name"] for r in d["registrations"]}'
  step "$mode: VTN requests telemetry (TELEMETRY_USAGE and TELEMETRY_STATUS requests)" \
    jcheck "$VTN" reports list --ven "$name" -- \
    '{"TELEMETRY_USAGE", "TELEMETRY_STATUS"} <= {r["report_name"] for r in d["requests"]}'
  step "$mode: readings arrive (power, energy, status)" \
    jcheck "$VTN" readings --ven "$name" --json -- '{"power", "energy", "status"} <= {r["rid"] for r in d}'
  n="$(readings_count "$name")"
  step "$mode: readings keep arriving (more than $n)" more_readings_than "$name" "$n"

  ev="$("$VTN" events create --ven "$name" --signal SIMPLE --level 2 --start now --duration PT30M 2>>"$TMP/cli.err")"
  if [ -z "$ev" ]; then
    fail "$mode: event created (vtn events create)"
    return
  fi
  export JARG="$ev"
  step "$mode: event reaches the VEN, which opts in (events list: optIn, modification 0)" \
    jcheck "$VTN" events list --json -- 'me(a).get("opt") == "optIn" and me(a).get("modification_number") == 0'
  step "$mode: VEN applies level 2" log_has "$TMP/$name.log" "applying signal level=2.0 event_id=Some(\"$ev\")"

  if "$VTN" events modify "$ev" --level 3 --reason e2e >/dev/null 2>>"$TMP/cli.err"; then
    step "$mode: modification delivered (VEN confirms modification 1, optIn)" \
      jcheck "$VTN" events list --json -- 'me(a).get("opt") == "optIn" and me(a).get("modification_number") == 1'
    step "$mode: VEN applies the modified level 3" log_has "$TMP/$name.log" "applying signal level=3.0 event_id=Some(\"$ev\")"
  else
    fail "$mode: vtn events modify"
  fi

  if "$VTN" events cancel "$ev" >/dev/null 2>>"$TMP/cli.err"; then
    step "$mode: cancellation delivered (event cancelled, VEN confirms modification 2)" \
      jcheck "$VTN" events list --json -- \
      'event(a)["cancelled"] and event(a)["status"] == "cancelled" and me(a).get("modification_number") == 2'
    step "$mode: VEN ends the event and returns to normal (level 0)" \
      log_has "$TMP/$name.log" "event ended by the VTN event_id=$ev.*status=cancelled"
  else
    fail "$mode: vtn events cancel"
  fi
  unset JARG
}

# ---------------------------------------------------------------- pull
start_ven e2e-pull
flow e2e-pull pull

# ---------------------------------------------------------------- push
PUSH_PORT="$(free_port)"
PUSH_URL="http://127.0.0.1:$PUSH_PORT/OpenADR2/Simple/2.0b"
cat >"$TMP/push.toml" <<EOF
[push]
listen = "127.0.0.1:$PUSH_PORT"
public_url = "$PUSH_URL"
EOF
start_ven e2e-push --config "$TMP/push.toml"
flow e2e-push push
step "push: events arrived by push (VEN log: pushed by the VTN)" \
  log_has "$TMP/e2e-push.log" 'pushed by the VTN received="oadrDistributeEvent"'

# ---------------------------------------------------------------- restart
# kill -9 the VTN while both VENs report every second, keep it down for a few
# seconds (the VENs keep sampling into their outboxes), restart it on the same
# database and port, then check that every one-second reading arrived exactly once.
now_utc() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
T_KILL="$(now_utc)"
kill -9 "$VTN_PID" 2>/dev/null
wait "$VTN_PID" 2>/dev/null
# The outage itself (not a wait for a condition): long enough for several
# readings to queue on each VEN.
sleep 4
T_RESTART="$(now_utc)"
if start_vtn; then pass "restart: VTN restarts on the same database after kill -9"; else fail "restart: VTN restarts on the same database after kill -9"; fi

for name in e2e-pull e2e-push; do
  export JVEN="$name" JARG="$T_RESTART"
  step "restart: $name readings taken after the restart arrive" \
    jcheck "$VTN" readings --ven "$name" --json --limit 100000 -- \
    'any(r["dtstart"] > a and r["rid"] == "power" for r in d)'
  # Every (report, rID) series: no timestamp twice; the power series has no
  # hole (gap > 1.5 s at a 1 s granularity) from 3 s before the kill to 3 s
  # after the restart.
  out="$("$VTN" readings --ven "$name" --json --limit 100000 2>>"$TMP/cli.err" |
    T_KILL="$T_KILL" T_RESTART="$T_RESTART" python3 -c '
import json, os, sys
from collections import Counter
from datetime import datetime, timedelta
d = json.load(sys.stdin)
p = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
dups = [k for k, n in Counter((r["report_specifier_id"], r["rid"], r["dtstart"]) for r in d).items() if n > 1]
lo = p(os.environ["T_KILL"]) - timedelta(seconds=3)
hi = p(os.environ["T_RESTART"]) + timedelta(seconds=3)
ts = sorted(p(r["dtstart"]) for r in d if r["report_specifier_id"] == "TELEMETRY_USAGE" and r["rid"] == "power")
win = [t for t in ts if lo <= t <= hi]
gaps = [(str(a), str(b)) for a, b in zip(win, win[1:]) if (b - a).total_seconds() > 1.5]
print(f"dups={len(dups)} first_dups={dups[:3]} window={len(win)} gaps={gaps[:3]}")
ok_d = not dups
ok_g = not gaps and len(win) >= 8
sys.exit((0 if ok_d else 1) | (0 if ok_g else 2))')"
  rc=$?
  if [ $((rc & 1)) -eq 0 ] && [ -n "$out" ]; then pass "restart: $name no reading stored twice (timestamp+rID unique)"; else fail "restart: $name no reading stored twice (timestamp+rID unique)" "$out"; fi
  if [ $((rc & 2)) -eq 0 ] && [ -n "$out" ]; then pass "restart: $name no reading lost across the outage (1 s series without holes)"; else fail "restart: $name no reading lost across the outage (1 s series without holes)" "$out"; fi
  unset JARG
done
step "restart: pull VEN polls the restarted VTN again (last contact after restart)" \
  env_jcheck e2e-pull "$T_RESTART" "$VTN" vens list --json -- \
  'any(v["ven_name"] == ven and (v["last_contact"] or "") > a for v in d)'

# An event after the restart still reaches both VENs (pull by poll, push by push).
ev="$("$VTN" events create --ven e2e-pull --ven e2e-push --signal SIMPLE --level 1 --start now --duration PT10M 2>>"$TMP/cli.err")"
for name in e2e-pull e2e-push; do
  JVEN="$name" JARG="$ev" step "restart: an event created after the restart reaches $name (optIn)" \
    jcheck "$VTN" events list --json -- 'me(a).get("opt") == "optIn"'
done

# ---------------------------------------------------------------- TLS
if [ -z "${E2E_TLS:-}" ]; then
  if "$VTN" serve --help 2>/dev/null | grep -q -- --tls-stack && "$VEN" run --help 2>/dev/null | grep -q -- --tls-stack; then E2E_TLS=1; else E2E_TLS=0; fi
fi
if [ "$E2E_TLS" = 1 ]; then
  # shellcheck source=/dev/null
  source "$HERE/tls.sh"
fi

for f in "$TMP"/*.log; do
  if grep -q panicked "$f"; then fail "no panic in $(basename "$f")"; fi
done

# Issue 13: kill -9 of the VEN and the VTN in every order while readings flow.
restart_out="$(bash "$HERE/ven_restart.sh" 2>&1)"
echo "$restart_out" | grep -E '^(PASS|FAIL)'
read -r rp rf < <(echo "$restart_out" | sed -n 's/^ven_restart: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
passed=$((passed + ${rp:-0}))
failed=$((failed + ${rf:-1}))

if [ "$failed" -gt 0 ]; then
  for f in "$TMP"/*.log "$TMP/cli.err"; do
    [ -s "$f" ] || continue
    echo "--- $(basename "$f") (tail) ---"
    tail -n 25 "$f"
  done
fi
echo "ven_vtn_e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
