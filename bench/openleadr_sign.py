"""openleadr's signing and verification rate (signxml), for bench/vtn_tls.sh.

usage: openleadr_sign.py CERT KEY SECONDS   -> "openleadr: sign N/s, verify M/s"
"""
import sys
import time

from openleadr import messaging, utils

cert, key, secs = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), float(sys.argv[3])
t, n, msgs = time.monotonic(), 0, []
while time.monotonic() - t < secs:
    msgs.append(messaging.create_message("oadrPoll", cert=cert, key=key, ven_id="VEN-BENCH-1"))
    n += 1
sign = n / (time.monotonic() - t)
fp = utils.certificate_fingerprint(cert)
t, m = time.monotonic(), 0
for x in msgs:
    if time.monotonic() - t >= secs:
        break
    tree = messaging.validate_xml_schema(x)
    messaging.NONCE_CACHE.clear()
    messaging.REPLAY_PROTECT_MAX_TIME_DELTA = messaging.timedelta(hours=1)
    messaging.validate_xml_signature(tree, cert_fingerprint=fp)
    m += 1
print(f"openleadr: sign {sign:.1f}/s, verify {m / (time.monotonic() - t):.1f}/s (one core)")
