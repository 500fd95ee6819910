#!/usr/bin/env python3
"""Generate reference OpenADR 2.0b messages with openleadr's own serializer.

Usage: $INTEROP_PY tests/interop/gen_openleadr_messages.py OUTDIR [--no-signed]

Writes one file per message type openleadr can create (``<messageType>.xml``),
plus variants (``<messageType>-<variant>.xml``), ``signing-cert.pem`` (the
self-signed certificate used for the ``*-signed.xml`` variants) and
``index.json``. Every payload is built with ``openleadr.messaging.create_message``
exactly as openleadr's VEN/VTN would, with as many optional fields filled in as
openleadr's templates support. Unsigned files are deterministic (fixed ids and
dates, all UTC); signed variants carry a fresh timestamp/nonce.

Each file is validated with ``xmllint --schema $OADR_XSD`` (the XSD shipped in
the openleadr package) and re-parsed with ``openleadr.messaging.parse_message``.
Files that fail are still written, and a warning lists them; exit status is 0
unless openleadr itself raised while creating a message.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import openleadr
from openleadr import messaging
from openleadr._version import __version__ as OPENLEADR_VERSION

UTC = timezone.utc
# Fixed clock so the unsigned output is byte-for-byte reproducible.
T0 = datetime(2030, 1, 15, 12, 0, 0, tzinfo=UTC)
CREATED = datetime(2030, 1, 15, 11, 30, 0, 123000, tzinfo=UTC)
# Never all-lowercase: openleadr's VEN answers 452 for an all-lowercase vtnID.
VTN_ID = "VTN-Interop-1"
VEN_ID = "VEN-Interop-1"
REG_ID = "REG-Interop-1"
MARKET = "http://MarketContext1"

XSD = os.environ.get("OADR_XSD") or os.path.join(
    os.path.dirname(openleadr.__file__), "schema", "oadr_20b.xsd")


def ok(request_id="REQ-RESP-1", code=200, description="OK"):
    return {"response_code": code, "response_description": description, "request_id": request_id}


# ----------------------------------------------------------------------------- events

def price_measurement():
    return {"name": "currencyPerKWh", "description": "currencyPerKWh", "unit": "EUR", "scale": "none"}


def power_measurement():
    return {"name": "powerReal", "description": "RealPower", "unit": "W", "scale": "k",
            "power_attributes": {"hertz": 50, "voltage": 230, "ac": True}}


def make_event(event_id, *, start, status, modification_number=0, priority=1, test_event=False,
               response_required="always", targets=None, interval_minutes=(10, 10, 10),
               with_interval_dtstart=False, full_active_period=True, vtn_comment=None,
               modification_reason=None):
    durations = [timedelta(minutes=m) for m in interval_minutes]

    def intervals(values):
        out, t = [], start
        for i, (d, v) in enumerate(zip(durations, values)):
            iv = {"duration": d, "uid": i, "signal_payload": v}
            if with_interval_dtstart:
                iv["dtstart"] = t
            out.append(iv)
            t += d
        return out

    n = len(durations)
    signals = [
        {"signal_name": "SIMPLE", "signal_type": "level", "signal_id": f"{event_id}-SIG-SIMPLE",
         "intervals": intervals([(1, 2, 3)[i % 3] for i in range(n)]), "current_value": 0.0},
        {"signal_name": "ELECTRICITY_PRICE", "signal_type": "price",
         "signal_id": f"{event_id}-SIG-PRICE",
         "intervals": intervals([round(0.25 + 0.05 * i, 3) for i in range(n)]),
         "measurement": price_measurement(), "current_value": 0.25},
        {"signal_name": "LOAD_CONTROL", "signal_type": "x-loadControlCapacity",
         "signal_id": f"{event_id}-SIG-LOAD",
         "intervals": intervals([round(0.5 + 0.1 * i, 3) for i in range(n)]),
         "measurement": power_measurement()},
    ]
    active_period = {"dtstart": start, "duration": sum(durations, timedelta())}
    if full_active_period:
        active_period.update({
            "tolerance": {"startafter": timedelta(minutes=5)},
            "notification_period": timedelta(hours=1),
            "ramp_up_period": timedelta(minutes=15),
            "recovery_period": timedelta(minutes=20),
        })
    descriptor = {"event_id": event_id, "modification_number": modification_number,
                  "modification_date_time": CREATED, "priority": priority,
                  "market_context": MARKET, "created_date_time": CREATED,
                  "event_status": status, "test_event": test_event}
    if vtn_comment is not None:
        descriptor["vtn_comment"] = vtn_comment
    if modification_reason is not None:
        descriptor["modification_reason"] = modification_reason
    if targets is None:
        targets = [{"ven_id": VEN_ID}]
    return {"event_descriptor": descriptor, "active_period": active_period,
            "event_signals": signals, "targets": targets, "response_required": response_required}


RICH_TARGETS = [{"ven_id": VEN_ID}, {"ven_id": "VEN-Interop-2"}, {"group_id": "GROUP-North"},
                {"group_name": "North feeder"}, {"resource_id": "RES-Battery-1"},
                {"party_id": "PARTY-Acme"}]


def distribute_event_payload():
    ev = make_event("EVT-0001", start=T0, status="far", modification_number=2,
                    vtn_comment="Interop reference event", modification_reason="Rescheduled",
                    targets=RICH_TARGETS)
    return dict(request_id="REQ-DIST-1", response=ok("REQ-DIST-0"), vtn_id=VTN_ID, events=[ev])


def distribute_event_multi_payload():
    events = [
        make_event("EVT-0001", start=T0, status="far", modification_number=2,
                   vtn_comment="Interop reference event", targets=RICH_TARGETS),
        make_event("EVT-0002", start=T0 - timedelta(minutes=10), status="active", priority=0,
                   response_required="never", with_interval_dtstart=True,
                   interval_minutes=(5, 15, 10, 30), targets=[{"group_id": "GROUP-North"}]),
        make_event("EVT-0003", start=T0 + timedelta(hours=2), status="near", priority=3,
                   test_event=True, full_active_period=False, interval_minutes=(60,),
                   targets=[{"resource_id": "RES-Battery-1"}, {"resource_id": "RES-PV-1"}]),
        make_event("EVT-0004", start=T0 - timedelta(days=1), status="cancelled",
                   modification_number=5, modification_reason="cancelled by operator",
                   targets=[{"party_id": "PARTY-Acme"}, {"ven_id": VEN_ID}]),
    ]
    return dict(request_id="REQ-DIST-2", vtn_id=VTN_ID, events=events)


def distribute_event_empty_payload():
    return dict(request_id="REQ-DIST-3", response=ok("REQ-DIST-3"), vtn_id=VTN_ID, events=[])


# ----------------------------------------------------------------------------- reports

def rd(r_id, report_type, reading_type, measurement=None, resource_id="RES-Battery-1",
       mrid="METER-1", min_period=timedelta(seconds=10), max_period=timedelta(minutes=1),
       on_change=False):
    d = {"r_id": r_id, "report_type": report_type, "reading_type": reading_type,
         "market_context": MARKET,
         "report_subject": {"end_device_asset": {"mrid": mrid}},
         "report_data_source": {"resource_id": resource_id},
         "sampling_rate": {"min_period": min_period, "max_period": max_period,
                           "on_change": on_change}}
    if measurement is not None:
        d["measurement"] = measurement
    return d


MEAS_POWER = power_measurement()
MEAS_ENERGY = {"name": "energyReal", "description": "RealEnergy", "unit": "Wh", "scale": "k"}
MEAS_VOLTAGE = {"name": "voltage", "description": "Voltage", "unit": "V", "scale": "none"}
MEAS_CURRENT = {"name": "current", "description": "Current", "unit": "A", "scale": "none"}
MEAS_FREQ = {"name": "frequency", "description": "Frequency", "unit": "Hz", "scale": "none"}
MEAS_TEMP = {"name": "temperature", "description": "temperature", "unit": "celsius",
             "scale": "none"}


def register_report_payload():
    usage = {"report_name": "METADATA_TELEMETRY_USAGE", "report_specifier_id": "RS-TELEMETRY-USAGE",
             "duration": timedelta(hours=1), "created_date_time": CREATED,
             "report_descriptions": [
                 rd("rid-power", "usage", "Direct Read", MEAS_POWER),
                 rd("rid-energy", "usage", "Direct Read", MEAS_ENERGY),
                 rd("rid-voltage", "reading", "Direct Read", MEAS_VOLTAGE),
                 rd("rid-current", "reading", "Mean", MEAS_CURRENT),
                 rd("rid-frequency", "reading", "x-RMS", MEAS_FREQ, on_change=True),
                 rd("rid-temperature", "reading", "Direct Read", MEAS_TEMP,
                    resource_id="RES-Thermostat-1", mrid="METER-2"),
             ]}
    status = {"report_name": "METADATA_TELEMETRY_STATUS", "report_specifier_id": "RS-TELEMETRY-STATUS",
              "duration": timedelta(hours=2), "created_date_time": CREATED,
              "report_descriptions": [
                  rd("rid-status-battery", "x-resourceStatus", "x-notApplicable"),
                  rd("rid-status-pv", "x-resourceStatus", "x-notApplicable",
                     resource_id="RES-PV-1", mrid="METER-3", on_change=True),
              ]}
    history = {"report_name": "HISTORY_USAGE", "report_specifier_id": "RS-HISTORY-USAGE",
               "duration": timedelta(days=1), "created_date_time": CREATED,
               "report_descriptions": [
                   rd("rid-history-energy", "usage", "Direct Read", MEAS_ENERGY,
                      min_period=timedelta(minutes=15), max_period=timedelta(minutes=15)),
               ]}
    return dict(request_id="REQ-REGREP-1", ven_id=VEN_ID, reports=[usage, status, history])


def report_requests():
    return [
        {"report_request_id": "RR-USAGE-1",
         "report_specifier": {
             "report_specifier_id": "RS-TELEMETRY-USAGE",
             "granularity": timedelta(seconds=10),
             "report_back_duration": timedelta(minutes=1),
             "report_interval": {"dtstart": T0, "duration": timedelta(hours=2)},
             "specifier_payloads": [{"r_id": r, "reading_type": "Direct Read"}
                                    for r in ("rid-power", "rid-energy", "rid-voltage")]}},
        {"report_request_id": "RR-STATUS-1",
         "report_specifier": {
             "report_specifier_id": "RS-TELEMETRY-STATUS",
             "granularity": timedelta(minutes=1),
             "report_back_duration": timedelta(minutes=5),
             "specifier_payloads": [{"r_id": r, "reading_type": "x-notApplicable"}
                                    for r in ("rid-status-battery", "rid-status-pv")]}},
        {"report_request_id": "RR-HISTORY-1",
         "report_specifier": {
             "report_specifier_id": "RS-HISTORY-USAGE",
             "granularity": timedelta(minutes=15),
             # openleadr's template treats reportBackDuration as optional, but the XSD
             # requires it: omitting it yields an invalid message.
             "report_back_duration": timedelta(hours=1),
             "report_interval": {"dtstart": T0 - timedelta(days=1), "duration": timedelta(days=1)},
             "specifier_payloads": [{"r_id": "rid-history-energy", "reading_type": "Direct Read"}]}},
    ]


def update_report_payload():
    intervals = []
    values = {"rid-power": 1523.5, "rid-energy": 12.75, "rid-voltage": 229.8}
    for i in range(4):
        for j, (r_id, v) in enumerate(values.items()):
            p = {"r_id": r_id, "value": round(v + i * 1.25, 3)}
            if j == 0:
                p.update(confidence=95, accuracy=2)
            if i == 3 and j == 2:
                p["data_quality"] = "Quality Good - Non Specific"
            intervals.append({"dtstart": T0 + timedelta(seconds=10 * i),
                              "duration": timedelta(seconds=10), "report_payload": p})
    report = {"report_id": "REPORT-USAGE-0001", "report_name": "TELEMETRY_USAGE",
              "report_request_id": "RR-USAGE-1", "report_specifier_id": "RS-TELEMETRY-USAGE",
              "dtstart": T0, "created_date_time": CREATED, "intervals": intervals}
    return dict(request_id="REQ-UPD-1", ven_id=VEN_ID, reports=[report])


def update_report_multi_payload():
    usage = update_report_payload()["reports"][0]
    # openleadr's template has no oadrPayloadResourceStatus: TELEMETRY_STATUS values
    # are sent as payloadFloat, exactly as openleadr's VEN does.
    status = {"report_id": "REPORT-STATUS-0001", "report_name": "TELEMETRY_STATUS",
              "report_request_id": "RR-STATUS-1", "report_specifier_id": "RS-TELEMETRY-STATUS",
              "dtstart": T0, "created_date_time": CREATED,
              "intervals": [{"dtstart": T0, "duration": timedelta(minutes=1),
                             "report_payload": {"r_id": r, "value": v}}
                            for r, v in (("rid-status-battery", 1.0), ("rid-status-pv", 0.0))]}
    history = {"report_id": "REPORT-HISTORY-0001", "report_name": "HISTORY_USAGE",
               "report_request_id": "RR-HISTORY-1", "report_specifier_id": "RS-HISTORY-USAGE",
               "created_date_time": CREATED,
               "intervals": [{"dtstart": T0 - timedelta(days=1) + timedelta(minutes=15 * i),
                              "duration": timedelta(minutes=15),
                              "report_payload": {"r_id": "rid-history-energy",
                                                 "value": 100.0 + i}} for i in range(6)]}
    return dict(request_id="REQ-UPD-2", ven_id=VEN_ID, reports=[usage, status, history])


# ----------------------------------------------------------------------------- catalogue

def catalogue():
    """(message_type, variant or None, payload, signed) tuples."""
    return [
        # --- EiRegisterParty
        ("oadrQueryRegistration", None, dict(request_id="REQ-QREG-1"), False),
        ("oadrCreatePartyRegistration", None,
         dict(request_id="REQ-CREG-1", profile_name="2.0b", transport_name="simpleHttp",
              transport_address="http://127.0.0.1:8081/", report_only=False, xml_signature=False,
              ven_name="ven-interop", http_pull_model=True), False),
        ("oadrCreatePartyRegistration", "reregister",
         dict(request_id="REQ-CREG-2", registration_id=REG_ID, ven_id=VEN_ID, profile_name="2.0b",
              transport_name="simpleHttp", transport_address="", report_only=True,
              xml_signature=True, ven_name="ven-interop", http_pull_model=True), False),
        ("oadrCreatedPartyRegistration", None,
         dict(response=ok("REQ-CREG-1"), registration_id=REG_ID, ven_id=VEN_ID, vtn_id=VTN_ID,
              profiles=[{"profile_name": "2.0a", "transports": [{"transport_name": "simpleHttp"}]},
                        {"profile_name": "2.0b", "transports": [{"transport_name": "simpleHttp"},
                                                                {"transport_name": "xmpp"}]}],
              requested_oadr_poll_freq=timedelta(seconds=10)), False),
        ("oadrCreatedPartyRegistration", "query",  # answer to oadrQueryRegistration: no ids yet
         dict(response=ok("REQ-QREG-1"), vtn_id=VTN_ID,
              profiles=[{"profile_name": "2.0b", "transports": [{"transport_name": "simpleHttp"}]}],
              requested_oadr_poll_freq=timedelta(minutes=1, seconds=30)), False),
        ("oadrCancelPartyRegistration", None,
         dict(request_id="REQ-CANREG-1", registration_id=REG_ID, ven_id=VEN_ID), False),
        ("oadrCanceledPartyRegistration", None,
         dict(response=ok("REQ-CANREG-1"), registration_id=REG_ID, ven_id=VEN_ID), False),
        ("oadrRequestReregistration", None, dict(ven_id=VEN_ID), False),
        # --- OadrPoll / generic response
        ("oadrPoll", None, dict(ven_id=VEN_ID), False),
        ("oadrPoll", "signed", dict(ven_id=VEN_ID), True),
        ("oadrResponse", None, dict(response=ok("REQ-RESP-1"), ven_id=VEN_ID), False),
        ("oadrResponse", "error", dict(response=ok(None, 452, "Invalid ID"), ven_id=VEN_ID), False),
        # --- EiEvent
        ("oadrRequestEvent", None, dict(request_id="REQ-REQEV-1", ven_id=VEN_ID), False),
        ("oadrRequestEvent", "replylimit",
         dict(request_id="REQ-REQEV-2", ven_id=VEN_ID, reply_limit=5), False),
        ("oadrDistributeEvent", None, distribute_event_payload(), False),
        ("oadrDistributeEvent", "multi", distribute_event_multi_payload(), False),
        ("oadrDistributeEvent", "empty", distribute_event_empty_payload(), False),
        ("oadrDistributeEvent", "signed", distribute_event_payload(), True),
        ("oadrCreatedEvent", None,
         dict(response=ok(None), ven_id=VEN_ID, event_responses=[
             {"response_code": 200, "response_description": "OK", "request_id": "REQ-DIST-1",
              "event_id": "EVT-0001", "modification_number": 2, "opt_type": "optIn"},
             {"response_code": 200, "response_description": "OK", "request_id": "REQ-DIST-2",
              "event_id": "EVT-0002", "modification_number": 0, "opt_type": "optOut"},
             {"response_code": 200, "request_id": "REQ-DIST-2",
              "event_id": "EVT-0003", "modification_number": 0, "opt_type": "optIn"}]), False),
        ("oadrCreatedEvent", "noevents", dict(response=ok("REQ-DIST-3"), ven_id=VEN_ID), False),
        # --- EiReport
        ("oadrRegisterReport", None, register_report_payload(), False),
        ("oadrRegisteredReport", None,
         dict(response=ok("REQ-REGREP-1"), ven_id=VEN_ID, report_requests=report_requests()), False),
        ("oadrRegisteredReport", "empty",
         dict(response=ok("REQ-REGREP-1"), ven_id=VEN_ID, report_requests=[]), False),
        ("oadrCreateReport", None,
         dict(request_id="REQ-CREP-1", ven_id=VEN_ID, report_requests=report_requests()), False),
        ("oadrCreatedReport", None,
         dict(response=ok("REQ-CREP-1"), ven_id=VEN_ID,
              pending_reports=[{"report_request_id": r}
                               for r in ("RR-USAGE-1", "RR-STATUS-1", "RR-HISTORY-1")]), False),
        ("oadrCreatedReport", "empty",
         dict(response=ok("REQ-CREP-2"), ven_id=VEN_ID, pending_reports=[]), False),
        ("oadrUpdateReport", None, update_report_payload(), False),
        ("oadrUpdateReport", "multi", update_report_multi_payload(), False),
        ("oadrUpdatedReport", None, dict(response=ok("REQ-UPD-1"), ven_id=VEN_ID), False),
        ("oadrUpdatedReport", "cancel",
         dict(response=ok("REQ-UPD-1"), ven_id=VEN_ID,
              cancel_report={"request_id": "REQ-CANREP-2",
                             "report_request_id": ["RR-USAGE-1", "RR-STATUS-1"],
                             "report_to_follow": False, "ven_id": VEN_ID}), False),
        ("oadrCancelReport", None,
         dict(request_id="REQ-CANREP-1", ven_id=VEN_ID, report_request_id="RR-USAGE-1",
              report_to_follow=True), False),
        ("oadrCanceledReport", None,
         dict(response=ok("REQ-CANREP-1"), ven_id=VEN_ID,
              pending_reports=[{"report_request_id": "RR-STATUS-1"},
                               {"report_request_id": "RR-HISTORY-1"}]), False),
        # --- EiOpt
        ("oadrCreateOpt", None,
         dict(opt_id="OPT-0001", opt_type="optOut", opt_reason="x-schedule", market_context=MARKET,
              ven_id=VEN_ID, created_date_time=CREATED, request_id="REQ-OPT-1",
              vavailability={"components": [
                  {"dtstart": T0, "duration": timedelta(hours=2)},
                  {"dtstart": T0 + timedelta(days=1), "duration": timedelta(hours=1, minutes=30)}]},
              targets=[{"ven_id": VEN_ID, "resource_id": "RES-Battery-1", "group_id": "GROUP-North",
                        "party_id": "PARTY-Acme"}],
              signal_target_mrid="Water_Heater"), False),
        ("oadrCreateOpt", "event",
         dict(opt_id="OPT-0002", opt_type="optIn", opt_reason="participating", ven_id=VEN_ID,
              created_date_time=CREATED, request_id="REQ-OPT-2", event_id="EVT-0001",
              modification_number=2, targets=[{"resource_id": "RES-Battery-1"}]), False),
        ("oadrCreatedOpt", None, dict(response=ok("REQ-OPT-1"), opt_id="OPT-0001"), False),
        ("oadrCancelOpt", None, dict(request_id="REQ-CANOPT-1", opt_id="OPT-0001", ven_id=VEN_ID),
         False),
        ("oadrCanceledOpt", None, dict(response=ok("REQ-CANOPT-1"), opt_id="OPT-0001"), False),
    ]


def make_signing_material():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openleadr-interop")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def xsd_check(paths):
    """Return {path: (ok, message)} using xmllint, falling back to lxml."""
    results = {}
    xmllint = shutil.which("xmllint")
    for p in paths:
        if xmllint:
            r = subprocess.run([xmllint, "--noout", "--nonet", "--schema", XSD, p],
                               capture_output=True, text=True)
            results[p] = (r.returncode == 0, r.stderr.strip())
        else:
            try:
                with open(p, "rb") as f:
                    messaging.validate_xml_schema(f.read())
                results[p] = (True, "validated with lxml (xmllint not installed)")
            except Exception as e:  # noqa: BLE001
                results[p] = (False, str(e))
    return results, ("xmllint" if xmllint else "lxml")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--no-signed", action="store_true", help="skip the *-signed.xml variants")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    cert = key = None
    entries = []
    for message_type, variant, payload, signed in catalogue():
        if signed and args.no_signed:
            continue
        kwargs = {}
        if signed:
            if cert is None:
                cert, key = make_signing_material()
                with open(os.path.join(args.outdir, "signing-cert.pem"), "wb") as f:
                    f.write(cert)
            kwargs = dict(cert=cert, key=key)
        xml = messaging.create_message(message_type, **kwargs, **payload)
        name = f"{message_type}-{variant}.xml" if variant else f"{message_type}.xml"
        path = os.path.join(args.outdir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(xml)
        try:
            parsed_type, _ = messaging.parse_message(xml.encode("utf-8"))
            parse_ok = parsed_type == message_type
        except Exception:  # noqa: BLE001
            parse_ok = False
        entries.append({"file": name, "message_type": message_type, "variant": variant,
                        "signed": signed, "openleadr_parse_ok": parse_ok, "_path": path})

    results, validator = xsd_check([e["_path"] for e in entries])
    failed = []
    for e in entries:
        valid, msg = results.pop(e.pop("_path"))
        e["xsd_valid"] = valid
        if not valid:
            e["xsd_errors"] = msg
            failed.append(e["file"])

    index = {"generator": "openleadr.messaging.create_message",
             "openleadr_version": OPENLEADR_VERSION,
             "validator": validator, "xsd": "openleadr/schema/oadr_20b.xsd",
             "signing_cert": "signing-cert.pem" if cert else None,
             "message_types": sorted({e["message_type"] for e in entries}),
             "files": entries}
    with open(os.path.join(args.outdir, "index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")

    print(f"wrote {len(entries)} messages ({len(index['message_types'])} message types) "
          f"to {args.outdir}", file=sys.stderr)
    if failed:
        print(f"WARNING: {len(failed)} file(s) written by openleadr do not validate against "
              f"oadr_20b.xsd: {', '.join(failed)}", file=sys.stderr)
        for e in entries:
            if not e["xsd_valid"]:
                print(f"--- {e['file']}\n{e['xsd_errors']}", file=sys.stderr)
    not_parsed = [e["file"] for e in entries if not e["openleadr_parse_ok"]]
    if not_parsed:
        print(f"WARNING: openleadr could not parse its own output: {', '.join(not_parsed)}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
