#!/usr/bin/env bash
# Write-path benchmarks of our VTN, side by side with openleadr's OpenADRServer
# where openleadr can do the work, on loopback with keep-alive connections:
#   1. event fan-out: one event for all of FAN registered polling VENs, then one
#      poll round over every VEN; time until every VEN has it (openleadr at OL_FAN);
#   2. opts stored per second (oadrCreateOpt, x-schedule windows; openleadr: n/a);
#   3. readings stored per second (oadrUpdateReport, K intervals each).
#
#   bash bench/vtn_write.sh                 # defaults: a few minutes on 2 cores
#   SECS=5 REPEAT=1 FAN="10000" bash bench/vtn_write.sh
#
# Knobs: SECS (timed phases, 10), REPEAT (runs of each timed phase, median
# printed; 3), FAN_REPEAT (runs of each fan-out, 3), CONNS (keep-alive connections, 64), FAN (our fan-out sizes,
# "10000 100000"), OL_FAN (openleadr's fan-out sizes, 10000; 0 skips), WVENS (VENs
# sending opts and reports, 1000), K (intervals per oadrUpdateReport, 10),
# WINDOWS (availability windows per opt, 4), OL (1: run openleadr's side),
# PHASES (which of "fanout opts readings" to run; all).
# Load generator: vtn/examples/writebench.rs; VENs are seeded into the VTN's
# database by vtn/examples/pollbench.rs (`seed`). Everything shares this
# machine's cores, load generator included: compare ratios and medians.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-10}
REPEAT=${REPEAT:-3}
CONNS=${CONNS:-64}
FAN=${FAN:-10000 100000}
OL_FAN=${OL_FAN:-10000}
WVENS=${WVENS:-1000}
K=${K:-10}
WINDOWS=${WINDOWS:-4}
OL=${OL:-1}
PHASES=${PHASES:-fanout opts readings}
FAN_REPEAT=${FAN_REPEAT:-3}
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

bash tests/interop/setup.sh && source tests/interop/env.sh
cargo build -q --release -p vtn --bin vtn --example pollbench --example writebench
VTN=target/release/vtn
PB=target/release/examples/pollbench
WB=target/release/examples/writebench
command -v sqlite3 >/dev/null || { echo "vtn_write.sh needs the sqlite3 CLI (apt-get install sqlite3)" >&2; exit 1; }
free_port() { "$INTEROP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
export VTN_ADMIN_TOKEN=bench
RES="$TMP/results.jsonl"
: >"$RES"
# record KIND JSON: keep a result line for the summary.
record() { echo "{\"kind\":\"$1\",\"r\":$2}" >>"$RES"; }

# start_vtn DB: our VTN on a fresh port over DB; sets PORT and PID.
start_vtn() {
  PORT=$(free_port)
  RUST_LOG=warn $VTN serve --listen 127.0.0.1:$PORT --db "$1" --registration-policy open --new-vens-per-minute 0 >"$1.log" 2>&1 &
  PID=$!; PIDS+=($PID)
  wait_http "http://127.0.0.1:$PORT/api/v1/health"
}
# start_ol IDS: openleadr's VTN knowing the VENs in IDS; sets PORT and PID.
start_ol() {
  PORT=$(free_port)
  local log="$TMP/ol-$PORT.log"   # a new file each time: an old "ready" must not count
  "$INTEROP_PY" bench/openleadr_write.py "$PORT" "$1" >"$log" 2>&1 &
  PID=$!; PIDS+=($PID)
  for _ in $(seq 1 300); do grep -q ready "$log" 2>/dev/null && return 0; sleep 0.1; done
  echo "openleadr did not start:" >&2; cat "$log" >&2; return 1
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
has() { [[ " $PHASES " == *" $1 "* ]]; }
if has opts || has readings; then $PB seed "$TMP/seed-w.db" "$WVENS" "$TMP/ids-w"; fi

# crash PID: SIGKILL, so what is counted afterwards is what had been committed.
crash() { kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

if has fanout; then
echo "== 1. event fan-out (one event for all VENs, then one poll round; $CONNS connections, x $FAN_REPEAT)"
if [ "$OL" != 1 ]; then OL_FAN=0; fi
for N in $FAN $OL_FAN; do
  if [ "$N" -gt 0 ] && [ ! -f "$TMP/ids-$N" ]; then $PB seed "$TMP/fan-$N.db" "$N" "$TMP/ids-$N"; fi
done
for i in $(seq 1 "$FAN_REPEAT"); do
  for N in $FAN; do
    DB="$TMP/fan-$N-$i.db"; cp "$TMP/fan-$N.db" "$DB"
    start_vtn "$DB"
    R=$($WB fanout 127.0.0.1:$PORT "$TMP/ids-$N" "$CONNS" vtn)
    RSS=$(rss_kib $PID)
    echo "vtn        N=$N run $i: $R  rss_kib=$RSS"
    record fan "${R%\}},\"rss_kib\":$RSS}"
    stop $PID; rm -f "$DB"*
  done
  for N in $OL_FAN; do
    if [ "$N" -gt 0 ]; then
      start_ol "$TMP/ids-$N"
      R=$($WB fanout 127.0.0.1:$PORT "$TMP/ids-$N" "$CONNS" openleadr)
      RSS=$(rss_kib $PID)
      echo "openleadr  N=$N run $i: $R  rss_kib=$RSS"
      record fan "${R%\}},\"rss_kib\":$RSS}"
      stop $PID
    fi
  done
done
fi

if has opts; then
echo "== 2. opts stored per second ($WVENS VENs, $WINDOWS windows per opt, ${SECS} s x $REPEAT)"
for i in $(seq 1 "$REPEAT"); do
  DB="$TMP/opts-$i.db"; cp "$TMP/seed-w.db" "$DB"
  start_vtn "$DB"
  R=$($WB opts 127.0.0.1:$PORT "$TMP/ids-w" "$CONNS" "$SECS" "$WINDOWS")
  crash $PID
  ROWS=$(sqlite3 "$DB" "select count(*) from opts")
  echo "vtn        run $i: $R  rows_after_sigkill=$ROWS"
  record opts_vtn "${R%\}},\"rows_after_sigkill\":$ROWS}"
done
if [ "$OL" = 1 ]; then
  start_ol "$TMP/ids-w"
  CODE=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/xml' \
    --data '<oadrPayload/>' "http://127.0.0.1:$PORT/OpenADR2/Simple/2.0b/EiOpt")
  echo "openleadr: n/a: openleadr has no EiOpt (POST .../EiOpt answers HTTP $CODE)"
  stop $PID
fi

fi

if has readings; then
echo "== 3. readings stored per second ($WVENS VENs, K=$K intervals per update, ${SECS} s x $REPEAT)"
for i in $(seq 1 "$REPEAT"); do
  DB="$TMP/rep-$i.db"; cp "$TMP/seed-w.db" "$DB"
  start_vtn "$DB"
  R=$($WB reports 127.0.0.1:$PORT "$TMP/ids-w" "$CONNS" "$SECS" "$K" vtn)
  crash $PID
  ROWS=$(sqlite3 "$DB" "select count(*) from readings")
  echo "vtn        run $i: $R  rows_after_sigkill=$ROWS"
  record rep_vtn "${R%\}},\"rows_after_sigkill\":$ROWS}"
  if [ "$OL" = 1 ]; then
    start_ol "$TMP/ids-w"
    R=$($WB reports 127.0.0.1:$PORT "$TMP/ids-w" "$CONNS" "$SECS" "$K" openleadr)
    echo "openleadr  run $i: $R  rss_kib=$(rss_kib $PID)"
    record rep_ol "$R"
    stop $PID
  fi
done
fi

"$INTEROP_PY" - "$RES" "$K" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
k = sys.argv[2]
def of(kind): return [r["r"] for r in rows if r["kind"] == kind]
def med(xs): return statistics.median(xs) if xs else None
def runs(xs, key): return ", ".join("{:,.0f}".format(x[key]) for x in xs)
print("\nsummary (medians over runs; every server on the same 2 cores as the load generator)")
fans = {}
for f in of("fan"):
    fans.setdefault((f["server"], f["vens"]), []).append(f)
for (who, n), fs in sorted(fans.items(), key=lambda x: (x[0][0] != "vtn", x[0][1])):
    miss = sum(f["not_received"] for f in fs)
    ok = "every VEN, every run" if miss == 0 else f"MISSING {miss} over {len(fs)} runs"
    print(f"fan-out  {who:<9} {n:>7} VENs: create {med([f['create_s'] for f in fs]):.2f} s + poll round "
          f"{med([f['round_s'] for f in fs]):.2f} s = {med([f['total_s'] for f in fs]):.2f} s "
          f"(runs: {', '.join('{:.2f}'.format(f['total_s']) for f in fs)}); received: {ok}; "
          f"server RSS after {med([f['rss_kib'] for f in fs]) / 1024:.0f} MiB")
for (who, n), fs in fans.items():
    ol = fans.get(("openleadr", n))
    if who == "vtn" and ol:
        t = lambda xs, key: med([x[key] for x in xs])
        print(f"fan-out at {n} VENs: openleadr takes {t(ol, 'total_s') / t(fs, 'total_s'):.1f}x as long "
              f"(create {t(ol, 'create_s') / max(t(fs, 'create_s'), 1e-9):.1f}x, "
              f"poll round {t(ol, 'round_s') / t(fs, 'round_s'):.1f}x; medians)")
o = of("opts_vtn")
if o:
    m = med([x["opts_per_s"] for x in o])
    stored = all(x["rows_after_sigkill"] == x["opts_ok"] and x["verify_one_ven"]["match"] for x in o)
    print(f"opts     vtn      {m:,.0f} opts/s stored (runs: {runs(o, 'opts_per_s')}); "
          f"rows after SIGKILL = 200 answers: {'yes' if stored else 'NO'}")
    print("opts     openleadr n/a: openleadr has no EiOpt")
v, ol = of("rep_vtn"), of("rep_ol")
if v:
    mv = med([x["readings_per_s"] for x in v])
    stored = all(x["rows_after_sigkill"] == x["readings"] and x["verify"]["match"] for x in v)
    print(f"readings vtn      {mv:,.0f} readings/s stored durably, K={k} per update "
          f"(runs: {runs(v, 'readings_per_s')}); "
          f"rows after SIGKILL = readings in 200 answers: {'yes' if stored else 'NO'}")
if ol:
    mo = med([x["readings_per_s"] for x in ol])
    held = all(x["verify"]["match"] for x in ol)
    print(f"readings openleadr {mo:,.0f} readings/s into a Python list in memory "
          f"(runs: {runs(ol, 'readings_per_s')}); list length = readings in 200 answers: "
          f"{'yes' if held else 'NO'}")
    if v:
        print(f"readings ratio vtn/openleadr: {mv / mo:.1f}x (median of runs)")
        print("ratios per run: " + ", ".join(f"{a['readings_per_s'] / b['readings_per_s']:.1f}x" for a, b in zip(v, ol)))
bad = [f for f in of("fan") if f["not_received"]] + [x for x in o if not (x["rows_after_sigkill"] == x["opts_ok"] and x["verify_one_ven"]["match"])] \
    + [x for x in v if not (x["rows_after_sigkill"] == x["readings"] and x["verify"]["match"])] + [x for x in ol if not x["verify"]["match"]]
if bad:
    print(f"FAILED: {len(bad)} run(s) did not deliver to every VEN or did not store what was answered 200")
    sys.exit(1)
EOF
