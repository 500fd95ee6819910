"""openleadr's OpenADRServer with pre-registered VENs, for bench/vtn_write.sh.

usage: openleadr_write.py PORT IDS_FILE

Known VENs (venIDs from IDS_FILE) pass openleadr's ven_lookup, as in
bench/openleadr_vtn.py. Two extra routes on the same aiohttp app drive and
check the benchmark (openleadr has no admin API):

  POST /bench/add_event  one event for every known VEN: server.add_event(...)
                         per VEN, all with the same eventID (openleadr queues
                         events per VEN); answers {"event_id", "vens", "seconds"}
  GET  /bench/count      {"readings": how many readings the report callbacks hold}

Reports: on_register_report (full mode) requests every offered rid at PT1M with
a callback that appends the (dtstart, value) tuples it is given to a Python
list in memory. That is all openleadr does with a reading; nothing is written
to disk, and everything is gone when the process ends.
"""
import asyncio
import logging
import sys
import time
from datetime import datetime, timedelta, timezone

from aiohttp import web
from openleadr import OpenADRServer

logging.getLogger("openleadr").setLevel(logging.ERROR)
port = int(sys.argv[1])
ids = [line.strip() for line in open(sys.argv[2]) if line.strip()]
known = set(ids)
readings = []


def ven_lookup(ven_id):
    if ven_id in known:
        return {"ven_id": ven_id, "ven_name": ven_id, "registration_id": "reg-" + ven_id}
    return None


def store(values):
    readings.extend(values)


async def on_register_report(report):
    return [(d["r_id"], store, timedelta(minutes=1)) for d in report["report_descriptions"]]


def on_opt(ven_id, event_id, opt_type):
    pass


async def main():
    server = OpenADRServer(vtn_id="VTN-OPENLEADR", http_port=port, http_host="127.0.0.1",
                           ven_lookup=ven_lookup, requested_poll_freq=timedelta(seconds=10))
    server.add_handler("on_register_report", on_register_report)

    async def add_event(_request):
        t = time.perf_counter()
        event_id = "bench-event-1"
        start = datetime.now(timezone.utc)
        for ven in ids:
            server.add_event(ven_id=ven, signal_name="SIMPLE", signal_type="level",
                             intervals=[{"dtstart": start, "duration": timedelta(hours=1),
                                         "signal_payload": 1.0}],
                             event_id=event_id, callback=on_opt)
        return web.json_response({"event_id": event_id, "vens": len(ids),
                                  "seconds": time.perf_counter() - t})

    async def count(_request):
        return web.json_response({"readings": len(readings)})

    server.app.add_routes([web.post("/bench/add_event", add_event),
                           web.get("/bench/count", count)])
    await server.run()
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
