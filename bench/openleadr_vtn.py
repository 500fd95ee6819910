"""openleadr's OpenADRServer with pre-registered VENs, for bench/vtn_poll.sh.

usage: openleadr_vtn.py PORT IDS_FILE
Polls from a known venID get an empty oadrResponse (nothing queued), the same
work our VTN does on an idle poll.
"""
import asyncio
import logging
import sys
from datetime import timedelta

from openleadr import OpenADRServer

logging.getLogger("openleadr").setLevel(logging.ERROR)
port = int(sys.argv[1])
ids = {line.strip() for line in open(sys.argv[2]) if line.strip()}


def ven_lookup(ven_id):
    if ven_id in ids:
        return {"ven_id": ven_id, "ven_name": ven_id, "registration_id": "reg-" + ven_id}
    return None


async def main():
    server = OpenADRServer(vtn_id="VTN-OPENLEADR", http_port=port, http_host="127.0.0.1",
                           ven_lookup=ven_lookup, requested_poll_freq=timedelta(seconds=10))
    await server.run()
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
