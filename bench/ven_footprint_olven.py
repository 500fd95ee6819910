"""openleadr's VEN (OpenADRClient) doing the bench's work: poll, one
TELEMETRY_USAGE power report. Usage: python ven_footprint_olven.py URL"""
import asyncio
import random
import sys

from openleadr import OpenADRClient


async def on_event(event):
    return "optIn"


async def main():
    client = OpenADRClient(ven_name="openleadr-ven", vtn_url=sys.argv[1])
    client.add_report(callback=lambda: 1000 + random.random() * 100, resource_id="device1",
                      measurement="power_real", unit="W", report_specifier_id="OL_TELEMETRY_USAGE",
                      r_id="power")
    client.add_handler("on_event", on_event)
    await client.run()
    await asyncio.Event().wait()

asyncio.run(main())
