#!/usr/bin/env bash
# Footprint of our VEN (`ven run`, release build) next to openleadr's
# OpenADRClient doing the same work against one openleadr VTN: polling every
# 10 s, TELEMETRY_USAGE reported every 60 s. Both run side by side for
# BENCH_SECONDS (default 120) after a 15 s warm-up; resident memory is
# sampled every 2 s (mean and peak VmRSS), CPU is the threads' on-CPU time
# (/proc/PID/task/*/schedstat) over the window, extrapolated to one hour (a bounded sample, not an hour's run).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SECS="${BENCH_SECONDS:-120}"
WARM="${BENCH_WARMUP:-15}"

bash "$REPO/tests/interop/setup.sh"
# shellcheck source=/dev/null
source "$REPO/tests/interop/env.sh"
[ "${BENCH_NO_BUILD:-0}" = 1 ] || (cd "$REPO" && cargo build -q --release -p ven)
BIN="$REPO/target/release/ven"

TMP="$(mktemp -d -t ven-bench.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

PORT="$("$INTEROP_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
URL="http://127.0.0.1:$PORT/OpenADR2/Simple/2.0b"
"$INTEROP_PY" "$HERE/ven_footprint_vtn.py" --port "$PORT" --out "$TMP/counts.json" >"$TMP/vtn.log" 2>&1 &
VTN=$!; PIDS+=("$VTN")
sleep 2
RUST_LOG=warn "$BIN" run --vtn "$URL" --name rust-ven --db "$TMP/ven.db" >"$TMP/ven.log" 2>&1 &
RS=$!; PIDS+=("$RS")
"$INTEROP_PY" "$HERE/ven_footprint_olven.py" "$URL" >"$TMP/olven.log" 2>&1 &
OL=$!; PIDS+=("$OL")
sleep "$WARM"

# CPU time in ns, all threads (schedstat: clock ticks are too coarse here).
cpu() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%d", s}'; }
TCK=1000000000
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
c_rs0=$(cpu $RS); c_ol0=$(cpu $OL)
n=0; sum_rs=0; sum_ol=0; max_rs=0; max_ol=0
end=$((SECONDS + SECS))
while [ $SECONDS -lt $end ]; do
  r=$(rss $RS); o=$(rss $OL)
  sum_rs=$((sum_rs + r)); sum_ol=$((sum_ol + o)); n=$((n + 1))
  [ "$r" -gt "$max_rs" ] && max_rs=$r
  [ "$o" -gt "$max_ol" ] && max_ol=$o
  sleep 2
done
c_rs=$(( $(cpu $RS) - c_rs0 )); c_ol=$(( $(cpu $OL) - c_ol0 ))
kill -TERM "$VTN"; wait "$VTN" 2>/dev/null || true

"$INTEROP_PY" - "$SECS" "$TCK" "$n" "$sum_rs" "$max_rs" "$c_rs" "$sum_ol" "$max_ol" "$c_ol" "$TMP/counts.json" <<'PY'
import json, sys
secs, tck, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
def row(name, s, mx, c):
    cpu_h = float(c) / tck * 3600.0 / secs
    return {"ven": name, "rss_mean_mib": round(int(s) / n / 1024, 1), "rss_peak_mib": round(int(mx) / 1024, 1),
            "cpu_s_per_hour": round(cpu_h, 3)}
rs = row("ours (ven, release)", sys.argv[4], sys.argv[5], sys.argv[6])
ol = row("openleadr OpenADRClient", sys.argv[7], sys.argv[8], sys.argv[9])
try:
    counts = json.load(open(sys.argv[10]))
except Exception:
    counts = {}
print(f"window {secs:.0f} s, extrapolated per hour; poll 10 s, report 60 s")
print(f"{'VEN':28} {'RSS mean MiB':>13} {'RSS peak MiB':>13} {'CPU s/hour':>11}")
for r in (rs, ol):
    print(f"{r['ven']:28} {r['rss_mean_mib']:>13} {r['rss_peak_mib']:>13} {r['cpu_s_per_hour']:>11}")
mem = ol["rss_mean_mib"] / max(rs["rss_mean_mib"], 0.01)
cpu = ol["cpu_s_per_hour"] / max(rs["cpu_s_per_hour"], 0.01)
print(f"openleadr / ours: memory x{mem:.1f} (goal >= 5), CPU x{cpu:.1f} (goal >= 10)")
print("readings received by the VTN:", counts)
print(json.dumps({"ours": rs, "openleadr": ol, "memory_ratio": round(mem, 1), "cpu_ratio": round(cpu, 1)}))
PY
