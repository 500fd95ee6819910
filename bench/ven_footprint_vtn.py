"""openleadr VTN for bench/ven_footprint.sh: asks every VEN to poll every
10 s and requests its TELEMETRY_USAGE at a 60 s granularity, reported every
60 s. Counts readings per VEN in --out (JSON) when it is stopped.
Usage: python ven_footprint_vtn.py --port PORT --out counts.json"""
import argparse
import asyncio
import json
import signal
from datetime import timedelta

from openleadr import OpenADRServer

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--out", required=True)
args = ap.parse_args()
counts = {}


def on_create_party_registration(payload):
    name = payload["ven_name"]
    return "id-" + name, "reg-" + name


def on_register_report(report):
    if report["report_name"] != "METADATA_TELEMETRY_USAGE":
        return None
    out = []
    for rd in report["report_descriptions"]:
        key = report["report_specifier_id"] + "/" + rd["r_id"]

        def cb(data, key=key):
            counts[key] = counts.get(key, 0) + len(data)
        out.append((rd["r_id"], cb, timedelta(seconds=60), timedelta(seconds=60)))
    return out


async def main():
    server = OpenADRServer(vtn_id="VTN-Bench", requested_poll_freq=timedelta(seconds=10),
                           http_host="127.0.0.1", http_port=args.port)
    server.add_handler("on_create_party_registration", on_create_party_registration)
    server.add_handler("on_register_report", on_register_report)
    await server.run()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    with open(args.out, "w") as f:
        json.dump(counts, f)
    await server.stop()

asyncio.run(main())
