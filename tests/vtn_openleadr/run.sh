#!/usr/bin/env bash
# Interop: openleadr's VEN (OpenADRClient, Python) against our VTN.
#
# Self-contained: installs the referee (tests/interop/setup.sh), builds
# `vtn` (debug), starts it on a free loopback port with a temporary database,
# drives openleadr through registration, reports, events, opts and
# cancellation (ven_driver.py), and checks every step through the `vtn` CLI.
# Prints `N passed, M failed` last; exits non-zero on any failure.
#
# Push mode: openleadr 0.5.36's VEN has no push listener (it always registers
# with oadrHttpPullModel true), so there is no push variant of this test;
# push delivery is covered by the in-process tests in vtn/tests/.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "PASS: $*"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit $?; }

TMP=$(mktemp -d)
VTN_PID=""
cleanup() {
  [ -n "$VTN_PID" ] && kill "$VTN_PID" 2>/dev/null && wait "$VTN_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

if bash tests/interop/setup.sh && source tests/interop/env.sh; then ok "interop setup (openleadr venv)"; else ko "interop setup"; finish; fi
if cargo build -q --workspace --all-targets 2>"$TMP/build.log"; then ok "cargo build"; else cat "$TMP/build.log"; ko "cargo build"; finish; fi
VTN_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/vtn"
http_status() {
  "$INTEROP_PY" - "$1" <<'PY' 2>/dev/null
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print(0)
PY
}

PORT=$("$INTEROP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export VTN_ADMIN_TOKEN="interop-$RANDOM-$RANDOM"
export VTN_API="http://127.0.0.1:$PORT"
RUST_LOG=${RUST_LOG:-info} "$VTN_BIN" serve --listen "127.0.0.1:$PORT" --db "$TMP/vtn.db" --poll-freq PT1S --registration-policy open \
  >"$TMP/vtn.log" 2>&1 &
VTN_PID=$!
up=""
for _ in $(seq 1 100); do
  if http_status "$VTN_API/api/v1/health" | grep -q 200; then up=1; break; fi
  sleep 0.1
done
if [ -n "$up" ]; then ok "vtn serve on 127.0.0.1:$PORT"; else cat "$TMP/vtn.log"; ko "vtn serve did not come up"; finish; fi

if http_status "$VTN_API/api/v1/vens" | grep -q 401; then
  ok "admin API refuses a request without the token"; else ko "admin API without token"; fi

VTN_BIN="$VTN_BIN" VTN_URL="$VTN_API/OpenADR2/Simple/2.0b" VEN_NAME="openleadr-ven-$RANDOM" \
  timeout 90 "$INTEROP_PY" tests/vtn_openleadr/ven_driver.py >"$TMP/driver.log" 2>&1
grep -E '^(PASS|FAIL)' "$TMP/driver.log"
P=$(grep -c '^PASS' "$TMP/driver.log"); F=$(grep -c '^FAIL' "$TMP/driver.log")
PASS=$((PASS + P)); FAIL=$((FAIL + F))
if [ "$P" -lt 10 ]; then ko "driver ran too few steps ($P)"; fi
if [ "$FAIL" -gt 0 ]; then
  echo "--- driver log"; tail -n 40 "$TMP/driver.log"
  echo "--- vtn log"; tail -n 40 "$TMP/vtn.log"
fi
if grep -q 'panicked' "$TMP/vtn.log"; then ko "vtn log shows a panic"; else ok "no panic in the vtn log"; fi
finish
