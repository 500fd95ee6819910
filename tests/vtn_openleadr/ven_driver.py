"""Drive openleadr's OpenADRClient (an independent 2.0b VEN) against our VTN.

Every step prints `PASS: <step>` or `FAIL: <step>: <why>`; assertions go
through the `vtn` CLI (`--json`), i.e. through the VTN's admin API.
Environment: VTN_BIN, VTN_URL (OpenADR base), VTN_API, VTN_ADMIN_TOKEN, VEN_NAME.
Mutual TLS (tests/vtn_openleadr_tls): VEN_CERT, VEN_KEY, VEN_CA; VEN_SIGN=1 signs
messages (XML signatures); VTN_FINGERPRINT makes openleadr verify the VTN's signatures.
"""
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta

from openleadr import OpenADRClient, enums, objects

logging.basicConfig(level=logging.WARNING, format="openleadr %(levelname)s %(message)s")
logging.getLogger("openleadr").setLevel(logging.WARNING)

VTN_BIN = os.environ["VTN_BIN"]
VEN_NAME = os.environ.get("VEN_NAME", "openleadr-ven-1")
VTN_URL = os.environ["VTN_URL"]

passed, failed = 0, 0
seen = []  # (event_id, modification_number, status, handler)


def result(ok, step, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS: {step}", flush=True)
    else:
        failed += 1
        print(f"FAIL: {step}: {why}", flush=True)


def vtn(*args, as_json=True):
    out = subprocess.run([VTN_BIN, *args], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"vtn {' '.join(args)} failed: {out.stderr.strip()}")
    return json.loads(out.stdout) if as_json else out.stdout.strip()


async def wait_for(pred, timeout=15.0, every=0.25):
    """Poll pred() (sync, may raise) until it returns a truthy value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v, None
        except Exception as e:  # noqa: BLE001 - report the last error
            last = e
        await asyncio.sleep(every)
    return None, last or "timed out"


def my_ven():
    for v in vtn("vens", "list", "--json"):
        if v["ven_name"] == VEN_NAME:
            return v
    return None


def event_view(event_id):
    for e in vtn("events", "list", "--json"):
        if e["event_id"] == event_id:
            return e
    return None


async def on_event(event):
    d = event["event_descriptor"]
    seen.append((d["event_id"], d["modification_number"], d["event_status"], "on_event"))
    return "optIn"


async def on_update_event(event):
    d = event["event_descriptor"]
    seen.append((d["event_id"], d["modification_number"], d["event_status"], "on_update_event"))
    return "optIn"


def saw(event_id, modn=None, status=None):
    return [s for s in seen if s[0] == event_id and (modn is None or s[1] == modn) and (status is None or s[2] == status)]


async def main():
    tls = {}
    if os.environ.get("VEN_CERT"):
        tls = dict(cert=os.environ["VEN_CERT"], key=os.environ["VEN_KEY"], ca_file=os.environ["VEN_CA"],
                   show_fingerprint=False, disable_signature=os.environ.get("VEN_SIGN", "0") != "1",
                   vtn_fingerprint=os.environ.get("VTN_FINGERPRINT") or None)
    client = OpenADRClient(ven_name=VEN_NAME, vtn_url=VTN_URL, **tls)
    client.add_report(callback=lambda: 230.5, resource_id="device001", measurement="voltage",
                      sampling_rate=timedelta(seconds=1), report_duration=timedelta(seconds=3600))
    client.add_handler("on_event", on_event)
    client.add_handler("on_update_event", on_update_event)
    # Our reading against the peer's: the issue's list names 459 for "report
    # not supported", but the 2.0b response-code table gives 459 = compliance
    # error and 461 = report not supported. openleadr agrees with the table
    # (as does the avob Java VTN), so our VTN answers an unknown report with
    # 461 (asserted in vtn/tests/services.rs); this pins openleadr's side.
    codes = enums.STATUS_CODES
    result(codes.REPORT_NOT_SUPPORTED == 461 and codes.COMPLIANCE_ERROR == 459,
           "response codes: openleadr reads 461 = report not supported, 459 = compliance error",
           f"{codes.REPORT_NOT_SUPPORTED} {codes.COMPLIANCE_ERROR}")
    try:
        await client.run()
        ok = bool(client.registration_id) and bool(client.ven_id)
        result(ok, "query and create registration (openleadr got venID and registrationID)",
               f"registration_id={client.registration_id} ven_id={client.ven_id}")
        if not ok:
            return
        v, err = await wait_for(my_ven)
        result(bool(v) and v["registered"] and v["ven_id"] == client.ven_id,
               "admin API lists the VEN as registered under the same venID", f"{v} {err}")
        result(client.poll_frequency == timedelta(seconds=1), "poll frequency PT1S taken from oadrRequestedOadrPollFreq",
               str(client.poll_frequency))

        def report_active():
            r = vtn("reports", "list", "--ven", VEN_NAME)
            regs = [x for x in r["registrations"] if x["report_name"] == "TELEMETRY_USAGE"]
            reqs = [x for x in r["requests"] if x["report_name"] == "TELEMETRY_USAGE" and x["state"] == "active"]
            return regs and reqs and (regs, reqs)
        rv, err = await wait_for(report_active)
        result(bool(rv), "TELEMETRY_USAGE registered, requested, and acknowledged (oadrCreatedReport)", str(err))

        def readings():
            rs = vtn("readings", "--ven", VEN_NAME, "--json")
            return len(rs) >= 2 and all(r["value"] == 230.5 for r in rs) and rs
        rs, err = await wait_for(readings, timeout=20)
        result(bool(rs), "oadrUpdateReport readings stored and returned by `vtn readings --json`",
               f"{err}")

        event_id = vtn("events", "create", "--ven", VEN_NAME, "--signal", "SIMPLE", "--level", "2",
                       "--start", "now", "--duration", "PT30M", as_json=False)
        result(len(event_id) > 0, "`vtn events create` prints the new eventID", event_id)
        got, err = await wait_for(lambda: saw(event_id, 0))
        result(bool(got), "openleadr received the event through oadrPoll", f"seen={seen} {err}")

        def opted(modn):
            e = event_view(event_id)
            vs = [x for x in e["vens"] if x["ven_name"] == VEN_NAME]
            return vs and vs[0]["opt"] == "optIn" and vs[0]["modification_number"] == modn and e
        e, err = await wait_for(lambda: opted(0))
        result(bool(e) and e["participants"] == 1, "optIn visible through the admin API (events list)", f"{err}")

        vtn("events", "modify", event_id, "--level", "3", "--reason", "deeper", as_json=False)
        got, err = await wait_for(lambda: saw(event_id, 1))
        result(bool(got), "openleadr received the modification (modificationNumber 1)", f"seen={seen} {err}")
        e, err = await wait_for(lambda: opted(1))
        result(bool(e), "optIn for modification 1 recorded", f"{err}")

        # EiOpt (openleadr's own VTN has none): an optOut for the event, then its cancellation.
        opt_id = await client.create_opt("optOut", "participating",
                                         targets=[objects.Target(ven_id=client.ven_id)],
                                         event_id=event_id, modification_number=1)
        e = event_view(event_id)
        mine = [x for x in e["vens"] if x["ven_name"] == VEN_NAME]
        result(bool(opt_id) and mine and mine[0]["opt"] == "optOut" and mine[0]["source"] == "opt",
               "oadrCreateOpt stored and counted (VEN now optOut)", f"{opt_id} {mine}")
        ok = await client.cancel_opt(opt_id)
        opts = vtn("reports", "list", "--ven", VEN_NAME)  # keep the CLI warm; opts checked via the API below
        e = event_view(event_id)
        mine = [x for x in e["vens"] if x["ven_name"] == VEN_NAME]
        result(bool(ok) and mine and mine[0]["opt"] == "optIn", "oadrCancelOpt answered and the opt no longer counts",
               f"{ok} {mine} {bool(opts)}")

        vtn("events", "cancel", event_id, as_json=False)
        got, err = await wait_for(lambda: saw(event_id, 2, "cancelled"))
        result(bool(got), "openleadr received the cancellation (status cancelled, modificationNumber 2)",
               f"seen={seen} {err}")
        e = event_view(event_id)
        result(e and e["status"] == "cancelled" and e["modification_number"] == 2,
               "`vtn events list --json` shows the event cancelled", str(e and e["status"]))

        before = my_ven()
        vtn("vens", "reregister", VEN_NAME, as_json=False)

        def reregistered():
            v = my_ven()
            return v and v["registered"] and v["registered_at"] != before["registered_at"] and v
        v, err = await wait_for(reregistered)
        result(bool(v) and v["ven_id"] == before["ven_id"],
               "oadrRequestReregistration through poll: openleadr re-registered and kept its venID", f"{v} {err}")

        await client.cancel_party_registration()
        v = my_ven()
        result(client.registration_id is None and v and not v["registered"],
               "cancel registration (oadrCancelPartyRegistration from the VEN)", str(v))
    except Exception as e:  # noqa: BLE001
        result(False, "driver", f"{type(e).__name__}: {e}")
    finally:
        try:
            await client.stop()
        except Exception:  # noqa: BLE001
            pass
    print(f"driver: {passed} passed, {failed} failed", flush=True)


asyncio.run(main())
sys.exit(1 if failed else 0)
