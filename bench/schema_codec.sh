#!/usr/bin/env bash
# adr-schema codec throughput, ours and openleadr's, in one run.
#
# openleadr (bench/openleadr_codec.py) builds and parses oadrDistributeEvent
# with 1/100/1000 events and oadrUpdateReport with 1/100/1000 intervals and
# writes the bytes it made; our criterion bench (adr-schema/benches/codec.rs)
# then parses exactly those bytes, serialises the same content, and runs a
# bare quick-xml event scan of the same bytes as the floor. Figures are
# medians. Prints one table with the ratios the issue asks for:
#   parse x   = openleadr parse time / our parse time   (goal >= 100)
#               (openleadr is timed before and after ours; the faster is used)
#   build x   = openleadr create time / our serialise time (goal >= 100)
#   parse/scan = our parse time / bare quick-xml scan   (goal <= 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tests/interop/setup.sh
source tests/interop/env.sh
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Build first, so the compiler does not share the machine with openleadr's timing.
cargo bench -q -p adr-schema --bench codec --no-run
# openleadr is timed before and after ours and the faster of its two medians
# is used: this machine's load drifts over minutes, and a slow phase of
# openleadr alone would inflate the ratios (the faster one understates them).
echo "openleadr: timing create/parse (about 25 s)..." >&2
"$INTEROP_PY" bench/openleadr_codec.py --xml-out "$WORK/xml" >"$WORK/openleadr1.json"
echo "ours: criterion (about 2 min)..." >&2
OADR_BENCH_XML_DIR="$WORK/xml" cargo bench -q -p adr-schema --bench codec -- --noplot >"$WORK/criterion.txt" 2>&1 \
  || { cat "$WORK/criterion.txt"; exit 1; }
echo "openleadr: timing again (about 25 s)..." >&2
"$INTEROP_PY" bench/openleadr_codec.py >"$WORK/openleadr2.json"

python3 - "$WORK/openleadr1.json" "$WORK/openleadr2.json" "${CARGO_TARGET_DIR:-$ROOT/target}/criterion" <<'PY'
import json, sys, os
runs = [{c["name"]: c for c in json.load(open(f))["cases"]} for f in sys.argv[1:3]]
ol = {}
for name, c in runs[0].items():
    c2 = runs[1][name]
    ol[name] = dict(c, parse_s=min(c["parse_s"], c2["parse_s"]),
                    create_s=min(c["create_s"], c2["create_s"]),
                    runs=(c["parse_s"], c2["parse_s"]))
crit = sys.argv[3]
def median_s(group, fn):
    with open(os.path.join(crit, group, fn, "new", "estimates.json")) as f:
        return json.load(f)["median"]["point_estimate"] / 1e9
def fmt(s):
    return f"{s*1e6:10.1f} us" if s < 1e-2 else f"{s*1e3:10.2f} ms"
print(f"{'case':22} {'bytes':>9} | {'ours parse':>13} {'ours write':>13} {'qx scan':>13} | {'ol parse':>13} {'ol create':>13} | {'parse x':>8} {'build x':>8} {'parse/scan':>10}")
for name in ["distribute_event/1", "distribute_event/100", "distribute_event/1000",
             "update_report/1", "update_report/100", "update_report/1000"]:
    g = name.replace("/", "_")
    p, w, s = median_s(g, "parse"), median_s(g, "serialize"), median_s(g, "scan")
    o = ol[name]
    print(f"{name:22} {o['bytes']:>9} | {fmt(p)} {fmt(w)} {fmt(s)} | {fmt(o['parse_s'])} {fmt(o['create_s'])} | "
          f"{o['parse_s']/p:8.0f} {o['create_s']/w:8.0f} {p/s:10.2f}")
print("openleadr parse, before / after ours: " + ", ".join(
    f"{n.replace('_event', '').replace('_report', '')} {fmt(a).strip()} / {fmt(b).strip()}"
    for n, (a, b) in ((n, ol[n]["runs"]) for n in ol)))
PY
