"""Identity over mutual TLS: a certificate must match the venID its message claims.

Sends openleadr-built messages (openleadr.messaging.create_message) over TLS with
chosen client certificates and checks the VTN's responseCode and that nothing was
stored (through the `vtn` CLI). Environment: VTN_BIN, VTN_URL, PKI, FP_EC, and the
admin CLI's VTN_API / VTN_ADMIN_TOKEN / VTN_CA / VTN_CLIENT_CERT / VTN_CLIENT_KEY.
Prints PASS/FAIL lines.
"""
import json
import os
import re
import ssl
import subprocess
import sys
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import gen_openleadr_messages as gen  # noqa: E402
from openleadr.messaging import create_message  # noqa: E402

VTN_BIN = os.environ["VTN_BIN"]
URL = os.environ["VTN_URL"]
PKI = os.environ["PKI"]
failed = 0


def result(ok, step, why=""):
    global failed
    if ok:
        print(f"PASS: {step}", flush=True)
    else:
        failed += 1
        print(f"FAIL: {step}: {why}", flush=True)


def vtn(*args, as_json=True):
    out = subprocess.run([VTN_BIN, *args], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"vtn {' '.join(args)}: {out.stderr.strip()}")
    return json.loads(out.stdout) if as_json else out.stdout.strip()


def post(service, xml, who):
    ctx = ssl.create_default_context(cafile=f"{PKI}/ca.crt")
    ctx.load_cert_chain(f"{PKI}/{who}.crt", f"{PKI}/{who}.key")
    req = urllib.request.Request(f"{URL}/{service}", data=xml.encode() if isinstance(xml, str) else xml,
                                 headers={"Content-Type": "application/xml"})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        body = r.read().decode()
    m = re.search(r"responseCode>(\d+)<", body)
    return int(m.group(1)) if m else None, body


def register(who, name):
    xml = create_message("oadrCreatePartyRegistration", request_id=str(uuid.uuid4()), ven_name=name,
                         profile_name="2.0b", transport_name="simpleHttp", transport_address=None,
                         report_only=False, xml_signature=False, http_pull_model=True)
    code, body = post("EiRegisterParty", xml, who)
    ven = re.search(r"venID>([^<]+)<", body)
    reg = re.search(r"registrationID>([^<]+)<", body)
    return code, ven and ven.group(1), reg and reg.group(1)


def readings_of(ven):
    return len(vtn("readings", "--ven", ven, "--json"))


def main():
    name = "tls-victim"
    fp_rsa = subprocess.run(["bash", "-c", f"openssl x509 -in {PKI}/ven-rsa.crt -outform DER | openssl dgst -sha256 -r | cut -c45-64"],
                            capture_output=True, text=True).stdout.strip()
    # The victim: the ven-rsa certificate, already provisioned by run.sh (registers by fingerprint).
    code, victim, reg = register("ven-rsa", name)
    result(code == 200 and victim, "ven-rsa certificate registers (found by its fingerprint)", f"{code} {victim}")
    v = vtn("vens", "show", victim)
    result((v.get("cert_fingerprint") or "").replace(":", "").lower() == fp_rsa.lower(),
           "the VEN's bound fingerprint is ven-rsa's", str(v.get("cert_fingerprint")))

    # An unprovisioned (but CA-valid) certificate under the provisioned policy.
    before = len(vtn("vens", "list", "--json"))
    code, _, _ = register("ven-ec", "tls-intruder")
    result(code == 463 and len(vtn("vens", "list", "--json")) == before,
           "unprovisioned certificate cannot self-register under policy provisioned (463, nothing stored)", str(code))

    # Provision ven-ec as another VEN and register it: a valid, registered certificate.
    other = vtn("vens", "add", "--name", "tls-other", "--fingerprint", os.environ["FP_EC"], as_json=False)
    code, other_id, _ = register("ven-ec", "tls-other")
    result(code == 200 and other_id == other, "second VEN (ven-ec) registers under its pre-provisioned venID",
           f"{code} {other_id} {other}")

    n0 = readings_of(victim)
    upd = gen.update_report_payload()
    upd["ven_id"] = victim
    code, _ = post("EiReport", create_message("oadrUpdateReport", **upd), "ven-ec")
    result(code == 463 and readings_of(victim) == n0,
           "oadrUpdateReport claiming another VEN's venID: 463, no reading stored", f"{code}")
    code, _ = post("OadrPoll", create_message("oadrPoll", ven_id=victim), "ven-ec")
    result(code == 463, "oadrPoll claiming another VEN's venID: 463", str(code))
    code, _ = post("EiRegisterParty", create_message("oadrCancelPartyRegistration", request_id="r1",
                                                      registration_id=reg, ven_id=victim), "ven-ec")
    still = vtn("vens", "show", victim)["registered"]
    result(code == 463 and still, "oadrCancelPartyRegistration of another VEN: 463, still registered", f"{code} {still}")
    code, _ = post("EiRegisterParty", create_message(
        "oadrCreatePartyRegistration", request_id="r2", ven_id=victim, ven_name=name, profile_name="2.0b",
        transport_name="simpleHttp", transport_address=None, report_only=False, xml_signature=False,
        http_pull_model=True), "ven-ec")
    result(code == 463, "oadrCreatePartyRegistration with another VEN's venID: 463", str(code))
    code, _ = post("OadrPoll", create_message("oadrPoll", ven_id=victim), "ven-rsa")
    result(code == 200, "the rightful certificate still polls (200)", str(code))
    # Leave the victim unregistered, as the driver expects nothing else.
    post("EiRegisterParty", create_message("oadrCancelPartyRegistration", request_id="r3",
                                           registration_id=reg, ven_id=victim), "ven-rsa")


try:
    main()
except Exception as e:  # noqa: BLE001
    result(False, "identity checks", f"{type(e).__name__}: {e}")
sys.exit(1 if failed else 0)
