"""An openleadr OpenADRServer (VTN) that records what our VEN does.

Flow: the VEN registers and registers its reports; we request
TELEMETRY_USAGE and TELEMETRY_STATUS every second (openleadr answers HTTP
500 to every oadrUpdateReport carrying an oadrPayloadResourceStatus, so the
status report is refused throughout: usage readings must flow regardless); once the VEN has
registered we add an event, wait for its opt response and a few readings,
then cancel the event and wait for the VEN to confirm the cancellation.
Everything is written to --out as JSON (rewritten after each step).

Usage: python vtn.py --port PORT --out record.json [--timeout 90]
"""
import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime, timedelta, timezone

from openleadr import OpenADRServer, utils

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--timeout", type=float, default=90)
ap.add_argument("--min-readings", type=int, default=3)
args = ap.parse_args()

logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                    format="%(asctime)s vtn %(levelname)s %(message)s")
log = logging.getLogger("vtn")

VEN_ID = "ven-id-interop"
REG_ID = "reg-id-interop"

rec = {
    "registrations": [],
    "report_registrations": [],
    "registered_report_names": [],
    "report_requests": [],
    "created_reports": [],
    "event_id": None,
    "event_delivered": 0,
    "opt_responses": [],
    "readings": [],
    "status_readings": [],
    "cancel_sent": False,
    "cancel_confirmed": False,
    "done": False,
    "error": None,
}


def save():
    with open(args.out + ".tmp", "w") as f:
        json.dump(rec, f, indent=1, default=str)
    import os
    os.replace(args.out + ".tmp", args.out)


def on_create_party_registration(payload):
    rec["registrations"].append({
        "ven_name": payload.get("ven_name"),
        "ven_id": payload.get("ven_id"),
        "registration_id": payload.get("registration_id"),
        "http_pull_model": payload.get("http_pull_model"),
    })
    save()
    return VEN_ID, REG_ID


def make_collector(report_name, r_id):
    def collect(data):
        for dt, value in data:
            rec["readings"].append({"report": report_name, "r_id": r_id,
                                    "dtstart": dt.isoformat(), "value": value})
        save()
    return collect


def on_register_report(report):
    # "full" mode: one call per report, returning (r_id, callback, sampling, report-back).
    name = report["report_name"]
    rec["report_registrations"].append({
        "report_name": name,
        "report_specifier_id": report["report_specifier_id"],
        "r_ids": [rd["r_id"] for rd in report["report_descriptions"]],
    })
    save()
    if name == "METADATA_TELEMETRY_USAGE":
        out = [(rd["r_id"], make_collector(name, rd["r_id"]), timedelta(seconds=1), timedelta(seconds=2))
               for rd in report["report_descriptions"]]
        rec["report_requests"].append(name)
        return out
    if name == "METADATA_TELEMETRY_STATUS":
        def collect_status(data):
            rec["status_readings"].extend({"dtstart": dt.isoformat(), "value": str(v)} for dt, v in data)
            save()
        rec["report_requests"].append(name)
        return [(rd["r_id"], collect_status, timedelta(seconds=1), timedelta(seconds=2))
                for rd in report["report_descriptions"]]
    return None


async def on_created_report(payload):
    rec["created_reports"].append([p.get("report_request_id") for p in payload.get("pending_reports") or []])
    save()


async def on_created_event(ven_id, event_id, opt_type):
    rec["opt_responses"].append({"ven_id": ven_id, "event_id": event_id, "opt_type": opt_type})
    save()


def on_delivered():
    rec["event_delivered"] += 1
    save()


async def scenario(server):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    async def until(cond, what):
        while not cond():
            if loop.time() > deadline:
                raise TimeoutError(f"timed out waiting for {what}")
            await asyncio.sleep(0.2)
    try:
        await until(lambda: rec["registrations"] and rec["report_registrations"], "registration")
        # Every METADATA report openleadr took in (it calls our handler only
        # for the TELEMETRY ones).
        rec["registered_report_names"] = ["METADATA_" + r["report_name"]
                                          for r in server.registered_reports.get(VEN_ID, [])]
        now = datetime.now(timezone.utc)
        rec["event_id"] = server.add_event(
            ven_id=VEN_ID, signal_name="simple", signal_type="level",
            intervals=[{"dtstart": now + timedelta(seconds=2), "duration": timedelta(seconds=60),
                        "signal_payload": 1.0}],
            callback=on_created_event, delivery_callback=on_delivered,
            market_context="http://interop.example/market")
        save()
        await until(lambda: rec["opt_responses"], "the opt response")
        await until(lambda: len(rec["readings"]) >= args.min_readings, "readings")
        # Let the event become active on the VEN before cancelling it.
        await asyncio.sleep(2)
        server.cancel_event(VEN_ID, rec["event_id"])
        rec["cancel_sent"] = True
        save()
        # openleadr drops a cancelled event once the VEN confirms it.
        await until(lambda: not any(utils.getmember(e, "event_descriptor.event_id") == rec["event_id"]
                                    for e in server.events.get(VEN_ID, [])), "the cancellation confirmation")
        rec["cancel_confirmed"] = True
        # A few more readings after the cancellation.
        n = len(rec["readings"])
        await until(lambda: len(rec["readings"]) > n, "readings after cancellation")
        rec["done"] = True
    except Exception as e:  # recorded for the test's report
        rec["error"] = f"{type(e).__name__}: {e}"
        log.error(rec["error"])
    save()


async def main():
    server = OpenADRServer(vtn_id="VTN-Interop", requested_poll_freq=timedelta(seconds=1),
                           http_host="127.0.0.1", http_port=args.port)
    server.add_handler("on_create_party_registration", on_create_party_registration)
    server.add_handler("on_register_report", on_register_report)
    server.add_handler("on_created_report", on_created_report)
    await server.run()
    save()
    await scenario(server)
    await server.stop()


asyncio.run(main())
