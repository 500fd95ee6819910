#!/usr/bin/env bash
# Our VEN (`ven run`) against an independent VTN: openleadr's OpenADRServer.
# Steps checked from the VTN's own records: registration, report
# registration, event delivery, opt-in, report request confirmed
# (oadrCreatedReport), readings received in order, cancellation confirmed,
# usage readings flowing while openleadr refuses (HTTP 500) every
# TELEMETRY_STATUS update (issue 14).
# Self-contained: installs the openleadr venv, builds the VEN, cleans up.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TIMEOUT="${VEN_OPENLEADR_TIMEOUT:-90}"

bash "$REPO/tests/interop/setup.sh" || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
# shellcheck source=/dev/null
source "$REPO/tests/interop/env.sh"
(cd "$REPO" && cargo build -q --workspace --all-targets) || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/ven"

TMP="$(mktemp -d -t ven-openleadr.XXXXXX)"
VTN_PID=""
VEN_PID=""
cleanup() {
  for p in $VEN_PID $VTN_PID; do kill "$p" 2>/dev/null; done
  for p in $VEN_PID $VTN_PID; do wait "$p" 2>/dev/null; done
  if [ "${KEEP_TMP:-0}" = 1 ]; then echo "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

PORT="$("$INTEROP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
REC="$TMP/record.json"

"$INTEROP_PY" "$HERE/vtn.py" --port "$PORT" --out "$REC" --timeout "$TIMEOUT" >"$TMP/vtn.log" 2>&1 &
VTN_PID=$!
for _ in $(seq 1 100); do
  [ -f "$REC" ] && break
  sleep 0.1
done

RUST_LOG="${RUST_LOG:-info}" "$BIN" run --vtn "http://127.0.0.1:$PORT/OpenADR2/Simple/2.0b" --name ven-interop \
  --db "$TMP/ven.db" >"$TMP/ven.log" 2>&1 &
VEN_PID=$!

# The VTN script ends by itself (scenario done, or its timeout).
wait "$VTN_PID"
VTN_PID=""

passed=0
failed=0
check() { # name, python expression over `r` (the record) and `ven` (the VEN log)
  local name="$1" expr="$2"
  if "$INTEROP_PY" - "$REC" "$TMP/ven.log" "$expr" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ven = open(sys.argv[2]).read()
sys.exit(0 if eval(sys.argv[3].strip()) else 1)
PY
  then
    echo "PASS $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; failed=$((failed + 1))
  fi
}

check "registers (oadrCreatePartyRegistration, pull, venName)" \
  'any(x["ven_name"] == "ven-interop" and x["http_pull_model"] in (True, None) for x in r["registrations"])'
check "registers its reports (METADATA TELEMETRY_USAGE, TELEMETRY_STATUS, HISTORY_USAGE)" \
  'set(r["registered_report_names"]) >= {"METADATA_TELEMETRY_USAGE", "METADATA_TELEMETRY_STATUS", "METADATA_HISTORY_USAGE"}'
check "TELEMETRY_USAGE metadata describes power and energy" \
  'any(x["report_name"] == "METADATA_TELEMETRY_USAGE" and set(x["r_ids"]) == {"power", "energy"} for x in r["report_registrations"])'
check "confirms the report request (oadrCreatedReport)" 'len(r["created_reports"]) >= 1 and any(r["created_reports"])'
check "receives the event (oadrDistributeEvent delivered)" 'r["event_delivered"] >= 1'
check "opts in (oadrCreatedEvent optIn)" \
  'any(o["opt_type"] == "optIn" and o["event_id"] == r["event_id"] for o in r["opt_responses"])'
check "delivers readings (oadrUpdateReport) the VTN records" 'len(r["readings"]) >= 3'
check "readings of both data points, each delivered once, in order" \
  '{x["r_id"] for x in r["readings"]} == {"power", "energy"} and all(len(l) == len(set(l)) and l == sorted(l) for l in [[x["dtstart"] for x in r["readings"] if x["r_id"] == rid] for rid in ("power", "energy")])'
check "usage readings reach the VTN while it refuses the status report (issue 14)" \
  '"METADATA_TELEMETRY_STATUS" in r["report_requests"] and len(r["readings"]) >= 3 and any("report refused by the VTN" in l and "TELEMETRY_STATUS" in l for l in ven.splitlines())'
check "executes the event (level 1 applied)" '"applying signal" in ven and "level=1.0" in ven'
check "handles the cancellation (confirmed; back to normal)" 'r["cancel_sent"] and r["cancel_confirmed"] and "level=0.0" in ven'
check "keeps reporting after the cancellation" 'r["done"]'
check "VEN logged no panic" '"panicked" not in ven'

if [ "$failed" -gt 0 ]; then
  echo "--- VTN record ---"; cat "$REC" 2>/dev/null | head -c 4000; echo
  echo "--- VTN log (tail) ---"; tail -n 40 "$TMP/vtn.log"
  echo "--- VEN log (tail) ---"; tail -n 60 "$TMP/ven.log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
