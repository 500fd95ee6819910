#!/usr/bin/env bash
# Footprint of our VEN (`ven run`, the `production` profile: what is deployed) next to openleadr's
# OpenADRClient doing the same work against one openleadr VTN: polling every
# 10 s, TELEMETRY_USAGE reported every 60 s. Both run side by side for
# BENCH_SECONDS (default 300) after a 15 s warm-up; resident memory is
# sampled every 2 s (mean and peak VmRSS), CPU is the threads' on-CPU time
# (/proc/PID/task/*/schedstat) per window of BENCH_WINDOW seconds (default
# 60), extrapolated to one hour (a bounded sample, not an hour's run).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SECS="${BENCH_SECONDS:-300}"
WARM="${BENCH_WARMUP:-15}"

bash "$REPO/tests/interop/setup.sh"
# shellcheck source=/dev/null
source "$REPO/tests/interop/env.sh"
[ "${BENCH_NO_BUILD:-0}" = 1 ] || (cd "$REPO" && cargo build -q --profile production -p ven)
# cargo resolves a relative CARGO_TARGET_DIR from the repository; so do we.
BIN="$(cd "$REPO" && realpath -m "${CARGO_TARGET_DIR:-target}")/production/ven"
[ -x "$BIN" ] || { echo "no $BIN (build it: cargo build --profile production -p ven)" >&2; exit 1; }

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
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# CPU is taken per window of WIN seconds (a whole number of report periods),
# so one noisy minute on a shared machine moves one window, not the result:
# the script reports the median window of each VEN and the median of the
# per-window ratios.
WIN="${BENCH_WINDOW:-60}"
NWIN=$(( (SECS + WIN - 1) / WIN ))
: >"$TMP/windows"
: >"$TMP/rss"
for w in $(seq 1 "$NWIN"); do
  c_rs0=$(cpu $RS); c_ol0=$(cpu $OL)
  end=$((SECONDS + WIN))
  while [ $SECONDS -lt $end ]; do
    echo "$(rss $RS) $(rss $OL)" >>"$TMP/rss"
    sleep 2
  done
  echo "$(( $(cpu $RS) - c_rs0 )) $(( $(cpu $OL) - c_ol0 ))" >>"$TMP/windows"
done
kill -TERM "$VTN"; wait "$VTN" 2>/dev/null || true

"$INTEROP_PY" - "$WIN" "$TMP/windows" "$TMP/rss" "$TMP/counts.json" <<'PY'
import json, statistics, sys
win = float(sys.argv[1])
windows = [tuple(int(x) for x in l.split()) for l in open(sys.argv[2]) if l.strip()]
rss = [tuple(int(x) for x in l.split()) for l in open(sys.argv[3]) if l.strip()]
per_h = lambda ns: ns / 1e9 * 3600.0 / win
ours = [per_h(a) for a, _ in windows]
theirs = [per_h(b) for _, b in windows]
ratios = [t / max(o, 1e-9) for o, t in zip(ours, theirs)]
def row(name, cpu, col):
    vals = [r[col] for r in rss]
    return {"ven": name, "rss_mean_mib": round(sum(vals) / len(vals) / 1024, 1),
            "rss_peak_mib": round(max(vals) / 1024, 1),
            "cpu_s_per_hour": round(statistics.median(cpu), 3)}
rs = row("ours (ven, production)", ours, 0)
ol = row("openleadr OpenADRClient", theirs, 1)
try:
    counts = json.load(open(sys.argv[4]))
except Exception:
    counts = {}
print(f"{len(windows)} windows of {win:.0f} s, CPU extrapolated per hour; poll 10 s, report 60 s")
print("CPU s/hour per window, ours:     ", " ".join(f"{x:.3f}" for x in ours))
print("CPU s/hour per window, openleadr:", " ".join(f"{x:.3f}" for x in theirs))
print("openleadr / ours per window:     ", " ".join(f"{x:.1f}" for x in ratios))
print(f"{'VEN':28} {'RSS mean MiB':>13} {'RSS peak MiB':>13} {'CPU s/hour (median)':>20}")
for r in (rs, ol):
    print(f"{r['ven']:28} {r['rss_mean_mib']:>13} {r['rss_peak_mib']:>13} {r['cpu_s_per_hour']:>20}")
mem = ol["rss_mean_mib"] / max(rs["rss_mean_mib"], 0.01)
cpu = statistics.median(ratios)
print(f"openleadr / ours: memory x{mem:.1f} (goal >= 5), CPU x{cpu:.1f} median of windows (goal >= 10)")
print("readings received by the VTN:", counts)
print(json.dumps({"ours": rs, "openleadr": ol, "memory_ratio": round(mem, 1), "cpu_ratio": round(cpu, 1),
                  "cpu_ratios": [round(x, 1) for x in ratios]}))
PY
