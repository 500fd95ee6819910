"""openleadr's OpenADRServer over mutual TLS, for bench/vtn_tls.sh.

usage: openleadr_vtn_tls.py PORT CERT KEY CA VEN_ID FINGERPRINT
The VEN (venID, certificate fingerprint) is pre-registered; polls get an empty
oadrResponse. Message signatures are not required (verify_message_signatures=False),
so the figure is TLS + HTTP + XML, like ours.
"""
import asyncio
import logging
import sys
from datetime import timedelta

from openleadr import OpenADRServer

logging.getLogger("openleadr").setLevel(logging.ERROR)
port, cert, key, ca, ven_id, fp = sys.argv[1:7]


def ven_lookup(ven_id):
    v = ven_id
    if v == ven_id:
        return {"ven_id": v, "ven_name": v, "registration_id": "reg-" + v, "fingerprint": fp}
    return None


async def main():
    server = OpenADRServer(vtn_id="VTN-OPENLEADR", http_port=int(port), http_host="127.0.0.1",
                           http_cert=cert, http_key=key, http_ca_file=ca, ven_lookup=ven_lookup,
                           verify_message_signatures=False, show_fingerprint=False,
                           show_server_cert_domain=False, requested_poll_freq=timedelta(seconds=10))
    await server.run()
    print("ready", flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
