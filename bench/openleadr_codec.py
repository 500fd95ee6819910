#!/usr/bin/env python3
"""Benchmark openleadr's own OpenADR 2.0b codec (the referee implementation).

Usage (after `bash tests/interop/setup.sh && source tests/interop/env.sh`):

    $INTEROP_PY bench/openleadr_codec.py [--xml-out DIR] [--budget S] [--min-iters N] [--sizes 1,100,1000]

Cases:
  distribute_event/N  oadrDistributeEvent with N events; each event has one SIMPLE/level
                      signal with 3 intervals, a venID target and an active period.
  update_report/N     oadrUpdateReport with one TELEMETRY_USAGE report holding N intervals,
                      each with dtstart, duration, rID and a payloadFloat.

For each case it times `openleadr.messaging.create_message` (including openleadr's
preflight checks, no signature) and `openleadr.messaging.parse_message` (xmltodict +
openleadr's normalisation; the same bytes as written with --xml-out). Each op is run
in batches (a batch lasts >= ~50 ms, or one call if a call is slower) until its time
budget is spent, with at least --min-iters batches; the reported figure is the median
seconds per op over the batches. `validate_s` is the extra time openleadr's server
spends on XSD validation (`messaging.validate_xml_schema`, lxml) before parsing.

Prints JSON to stdout:
  {"openleadr_version": "...", "python": "...", "cases": [{"name": "distribute_event/1",
   "parse_s": ..., "create_s": ..., "validate_s": ..., "bytes": ..., ...}, ...]}
With --xml-out DIR, writes DIR/distribute_event_1.xml etc. (exactly the bytes that
were parsed) and checks them with xmllint against $OADR_XSD when xmllint is installed.
"""

import argparse
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import openleadr
from openleadr import messaging
from openleadr._version import __version__ as OPENLEADR_VERSION

UTC = timezone.utc
T0 = datetime(2030, 1, 15, 12, 0, 0, tzinfo=UTC)
CREATED = datetime(2030, 1, 15, 11, 30, 0, tzinfo=UTC)
VTN_ID = "VTN-Bench-1"  # never all-lowercase (openleadr's VEN answers 452 to that)
VEN_ID = "VEN-Bench-1"
MIN_BATCH_S = 0.05


def distribute_event_payload(n_events):
    events = []
    for i in range(n_events):
        start = T0 + timedelta(hours=i)
        events.append({
            "event_descriptor": {"event_id": f"EVT-{i:06d}", "modification_number": 0,
                                 "modification_date_time": CREATED, "priority": 1,
                                 "market_context": "http://MarketContext1",
                                 "created_date_time": CREATED, "event_status": "far",
                                 "test_event": False},
            "active_period": {"dtstart": start, "duration": timedelta(minutes=30)},
            "event_signals": [{
                "signal_name": "SIMPLE", "signal_type": "level", "signal_id": f"SIG-{i:06d}",
                "intervals": [{"duration": timedelta(minutes=10), "uid": k, "signal_payload": v}
                              for k, v in enumerate((1, 2, 3))],
            }],
            "targets": [{"ven_id": VEN_ID}],
            "response_required": "always",
        })
    return "oadrDistributeEvent", dict(request_id="REQ-BENCH-DIST", vtn_id=VTN_ID, events=events)


def update_report_payload(n_intervals):
    intervals = [{"dtstart": T0 + timedelta(seconds=10 * i), "duration": timedelta(seconds=10),
                  "report_payload": {"r_id": "rid-power", "value": round(1000.0 + 0.5 * i, 1)}}
                 for i in range(n_intervals)]
    report = {"report_id": "REPORT-BENCH-1", "report_name": "TELEMETRY_USAGE",
              "report_request_id": "RR-BENCH-1", "report_specifier_id": "RS-BENCH-1",
              "dtstart": T0, "created_date_time": CREATED, "intervals": intervals}
    return "oadrUpdateReport", dict(request_id="REQ-BENCH-UPD", ven_id=VEN_ID, reports=[report])


def time_op(fn, budget_s, min_iters):
    """Median seconds per call over batches; returns (median, batches, calls)."""
    t = time.perf_counter()
    fn()  # warm-up (template compilation, caches), also used to size the batch
    once = time.perf_counter() - t
    batch = max(1, int(MIN_BATCH_S / once)) if once > 0 else 1000
    samples = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < min_iters or time.perf_counter() < deadline:
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter() - t) / batch)
    return statistics.median(samples), len(samples), len(samples) * batch


def main():
    ap = argparse.ArgumentParser(description="Benchmark openleadr create_message/parse_message")
    ap.add_argument("--xml-out", metavar="DIR", help="write each case's XML to DIR/<case>.xml")
    ap.add_argument("--budget", type=float, default=2.0,
                    help="seconds per case, split between create, parse and validate (default 2)")
    ap.add_argument("--min-iters", type=int, default=3, help="minimum batches per op (default 3)")
    ap.add_argument("--sizes", default="1,100,1000", help="comma-separated sizes (default 1,100,1000)")
    args = ap.parse_args()
    logging.getLogger("openleadr").setLevel(logging.ERROR)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    if args.xml_out:
        os.makedirs(args.xml_out, exist_ok=True)

    builders = [("distribute_event", distribute_event_payload),
                ("update_report", update_report_payload)]
    cases, written = [], []
    for kind, builder in builders:
        for n in sizes:
            message_type, payload = builder(n)
            xml = messaging.create_message(message_type, **payload)
            data = xml.encode("utf-8")
            parsed_type, parsed = messaging.parse_message(data)
            assert parsed_type == message_type, parsed_type
            if kind == "distribute_event":
                assert len(parsed["events"]) == n
            else:
                assert len(parsed["reports"][0]["intervals"]) == n

            share = args.budget * 0.4
            create_s, create_batches, _ = time_op(
                lambda: messaging.create_message(message_type, **payload), share, args.min_iters)
            parse_s, parse_batches, _ = time_op(
                lambda: messaging.parse_message(data), share, args.min_iters)
            validate_s, _, _ = time_op(
                lambda: messaging.validate_xml_schema(data), args.budget * 0.2, args.min_iters)
            case = {"name": f"{kind}/{n}", "parse_s": parse_s, "create_s": create_s,
                    "validate_s": validate_s, "bytes": len(data),
                    "create_batches": create_batches, "parse_batches": parse_batches}
            if args.xml_out:
                path = os.path.join(args.xml_out, f"{kind}_{n}.xml")
                with open(path, "wb") as f:
                    f.write(data)
                case["xml"] = os.path.basename(path)
                written.append((case, path))
            cases.append(case)

    if written:
        xmllint = shutil.which("xmllint")
        xsd = os.environ.get("OADR_XSD") or os.path.join(
            os.path.dirname(openleadr.__file__), "schema", "oadr_20b.xsd")
        for case, path in written:
            if xmllint:
                r = subprocess.run([xmllint, "--noout", "--nonet", "--schema", xsd, path],
                                   capture_output=True, text=True)
                case["xsd_valid"] = r.returncode == 0
                if r.returncode != 0:
                    print(f"WARNING: {path} does not validate:\n{r.stderr}", file=sys.stderr)
            else:
                case["xsd_valid"] = None
        if not xmllint:
            print("NOTE: xmllint not installed; --xml-out files not validated", file=sys.stderr)

    json.dump({"openleadr_version": OPENLEADR_VERSION,
               "python": platform.python_version(),
               "method": "median seconds per op over batches",
               "cases": cases}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
