#!/usr/bin/env bash
# Poll throughput of our VTN against openleadr's OpenADRServer and against an
# actix-web server that answers a fixed oadrResponse (the ceiling), all on
# loopback with keep-alive connections; plus resident memory per registered VEN.
#
#   bash bench/vtn_poll.sh            # defaults: 10 s per run, 64 connections
#   SECS=5 CONNS=32 bash bench/vtn_poll.sh
#
# Load generator: vtn/examples/pollbench.rs (raw HTTP/1.1 over tokio).
# Everything runs on this machine's cores, load generator included, so the
# figures are relative; the ratios are what to compare.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-10}
CONNS=${CONNS:-64}
BIG=${BIG:-100000}
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

bash tests/interop/setup.sh && source tests/interop/env.sh
cargo build -q --release -p vtn --bin vtn --example pollbench
VTN=target/release/vtn
PB=target/release/examples/pollbench
free_port() { "$INTEROP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 200); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
export VTN_ADMIN_TOKEN=bench
P=/OpenADR2/Simple/2.0b/OadrPoll
declare -A RPS

for N in 1000 10000; do
  PORT=$(free_port)
  RUST_LOG=warn $VTN serve --registration-policy open --new-vens-per-minute 0 --listen 127.0.0.1:$PORT --db "$TMP/vtn-$N.db" >"$TMP/vtn-$N.log" 2>&1 &
  PID=$!; PIDS+=($PID)
  wait_http "http://127.0.0.1:$PORT/api/v1/health"
  $PB register 127.0.0.1:$PORT "$N" "$TMP/ids-$N"
  R=$($PB load 127.0.0.1:$PORT $P "$TMP/ids-$N" "$CONNS" "$SECS")
  echo "vtn  N=$N: $R  rss_kib=$(rss_kib $PID)"
  RPS[vtn$N]=$(echo "$R" | sed 's/.*"rps":\([0-9.]*\).*/\1/')
  kill $PID; wait $PID 2>/dev/null || true
done

PORT=$(free_port)
$PB ceiling 127.0.0.1:$PORT >"$TMP/ceiling.log" 2>&1 &
PID=$!; PIDS+=($PID)
sleep 0.5
R=$($PB load 127.0.0.1:$PORT $P - "$CONNS" "$SECS")
echo "actix fixed oadrResponse (ceiling): $R"
RPS[ceiling]=$(echo "$R" | sed 's/.*"rps":\([0-9.]*\).*/\1/')
kill $PID; wait $PID 2>/dev/null || true

PORT=$(free_port)
"$INTEROP_PY" bench/openleadr_vtn.py "$PORT" "$TMP/ids-1000" >"$TMP/ol.log" 2>&1 &
PID=$!; PIDS+=($PID)
for _ in $(seq 1 100); do grep -q ready "$TMP/ol.log" && break; sleep 0.1; done
R=$($PB load 127.0.0.1:$PORT $P "$TMP/ids-1000" "$CONNS" "$SECS")
echo "openleadr OpenADRServer N=1000: $R"
RPS[openleadr]=$(echo "$R" | sed 's/.*"rps":\([0-9.]*\).*/\1/')
kill $PID; wait $PID 2>/dev/null || true

# Memory: BIG registered VENs seeded into the database, then a short poll load.
PORT=$(free_port)
$PB seed "$TMP/vtn-big.db" "$BIG" "$TMP/ids-big"
RUST_LOG=warn $VTN serve --registration-policy open --new-vens-per-minute 0 --listen 127.0.0.1:$PORT --db "$TMP/vtn-big.db" >"$TMP/vtn-big.log" 2>&1 &
PID=$!; PIDS+=($PID)
wait_http "http://127.0.0.1:$PORT/api/v1/health"
R=$($PB load 127.0.0.1:$PORT $P "$TMP/ids-big" "$CONNS" 3)
RSS=$(rss_kib $PID)
echo "vtn  N=$BIG: $R  rss_kib=$RSS"
kill $PID; wait $PID 2>/dev/null || true

awk -v a="${RPS[vtn1000]}" -v b="${RPS[vtn10000]}" -v o="${RPS[openleadr]}" -v c="${RPS[ceiling]}" -v rss="$RSS" -v n="$BIG" 'BEGIN {
  printf "\nsummary: vtn %.0f polls/s (1k VENs), %.0f polls/s (10k VENs); openleadr %.0f; ceiling %.0f\n", a, b, o, c;
  printf "ratio vs openleadr: %.1fx (goal >= 40x)\n", b / o;
  printf "fraction of the actix ceiling: %.2f (goal >= 0.5)\n", b / c;
  printf "resident memory at %d VENs: %.1f MiB (%.0f bytes per VEN; goal < 128 MiB)\n", n, rss / 1024, rss * 1024 / n;
}'
