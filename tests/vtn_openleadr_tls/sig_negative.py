"""XML signatures against our VTN (run with `--xml-signature required`).

Messages are built and signed by openleadr (create_message with the VEN's key),
then tampered with; each must be refused with 463 and store nothing. Our signed
answers are checked by openleadr's verifier and by `xmlsec1 --verify`. An
enveloped-shape signature (URI="" + enveloped-signature transform, made with the
xmlsec1 CLI) must be accepted too.
Environment: VTN_BIN, VTN_URL, PKI, VEN_NAME (registered with ven-rsa), VTN_FP, TMPDIR.
"""
import base64
import os
import re
import ssl
import subprocess
import sys
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import openleadr.messaging as messaging
from openleadr import utils
from openleadr.messaging import create_message

URL = os.environ["VTN_URL"]
PKI = os.environ["PKI"]
TMP = os.environ.get("TMPDIR", "/tmp")
VTN_BIN = os.environ["VTN_BIN"]
failed = 0
CERT = open(f"{PKI}/ven-rsa.crt", "rb").read()
KEY = open(f"{PKI}/ven-rsa.key", "rb").read()


def result(ok, step, why=""):
    global failed
    print(f"PASS: {step}" if ok else f"FAIL: {step}: {why}", flush=True)
    failed += 0 if ok else 1


def post(service, xml, who="ven-rsa"):
    ctx = ssl.create_default_context(cafile=f"{PKI}/ca.crt")
    ctx.load_cert_chain(f"{PKI}/{who}.crt", f"{PKI}/{who}.key")
    data = xml.encode() if isinstance(xml, str) else xml
    req = urllib.request.Request(f"{URL}/{service}", data=data, headers={"Content-Type": "application/xml"})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        body = r.read()
    m = re.search(rb"responseCode>(\d+)<", body)
    return (int(m.group(1)) if m else None), body


def signed(message_type, **payload):
    return create_message(message_type, cert=CERT, key=KEY, **payload)


def ven_id():
    import json
    out = subprocess.run([VTN_BIN, "vens", "show", os.environ["VEN_NAME"]], capture_output=True, text=True)
    return json.loads(out.stdout)["ven_id"]


def readings(v):
    import json
    out = subprocess.run([VTN_BIN, "readings", "--ven", v, "--json"], capture_output=True, text=True)
    return len(json.loads(out.stdout))


def main():
    v = ven_id()
    # Register (signed) so that polls are meaningful.
    reg = signed("oadrCreatePartyRegistration", request_id=str(uuid.uuid4()), ven_id=v,
                 ven_name=os.environ["VEN_NAME"], profile_name="2.0b", transport_name="simpleHttp",
                 transport_address=None, report_only=False, xml_signature=True, http_pull_model=True)
    code, body = post("EiRegisterParty", reg)
    result(code == 200, "signed oadrCreatePartyRegistration from openleadr accepted (200)", f"{code} {body[:300]}")

    poll = signed("oadrPoll", ven_id=v)
    code, body = post("OadrPoll", poll)
    result(code == 200, "signed oadrPoll accepted", str(code))
    # Our answer: signed, verified by openleadr and by xmlsec1.
    try:
        tree = messaging.validate_xml_schema(body)
        messaging.validate_xml_signature(tree, cert_fingerprint=os.environ["VTN_FP"])
        result(True, "our signed answer verifies in openleadr (XSD, signature, ReplayProtect, VTN fingerprint)")
    except Exception as e:  # noqa: BLE001
        result(False, "our signed answer verifies in openleadr", f"{type(e).__name__}: {e} {body[:300]}")
    path = os.path.join(TMP, "vtn-answer.xml")
    open(path, "wb").write(body)
    leaf = os.path.join(TMP, "vtn-leaf.pem")
    subprocess.run(["openssl", "x509", "-in", f"{PKI}/vtn-rsa.crt", "-out", leaf], check=True)
    x = subprocess.run(["xmlsec1", "--verify", "--id-attr:Id", "http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject",
                        "--pubkey-cert-pem", leaf, path], capture_output=True, text=True)
    result(x.returncode == 0 and "References (ok/all): 2/2" in x.stderr + x.stdout,
           "our signed answer verifies with xmlsec1 --verify (2/2 references)", x.stderr[-300:])

    # openleadr's own signature verifies with xmlsec1 too (the referee agrees with both sides).
    opath = os.path.join(TMP, "openleadr-poll.xml")
    open(opath, "w").write(poll)
    vleaf = os.path.join(TMP, "ven-leaf.pem")
    subprocess.run(["openssl", "x509", "-in", f"{PKI}/ven-rsa.crt", "-out", vleaf], check=True)
    x = subprocess.run(["xmlsec1", "--verify", "--id-attr:Id", "http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject",
                        "--pubkey-cert-pem", vleaf, opath], capture_output=True, text=True)
    result(x.returncode == 0, "openleadr's signed oadrPoll verifies with xmlsec1 --verify", x.stderr[-300:])

    code, _ = post("OadrPoll", poll)
    result(code == 463, "replayed nonce (the same signed oadrPoll again): 463", str(code))

    code, _ = post("OadrPoll", create_message("oadrPoll", ven_id=v))
    result(code == 463, "unsigned message while signatures are required: 463", str(code))

    # Tampered signed object: a reading changed after signing -> 463, nothing stored.
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
    import gen_openleadr_messages as gen
    upd = gen.update_report_payload()
    upd["ven_id"] = v
    msg = signed("oadrUpdateReport", **upd)
    n0 = readings(v)
    bad = msg.replace("1523.5", "9999.5", 1)
    code, _ = post("EiReport", bad)
    result(bad != msg and code == 463 and readings(v) == n0,
           "tampered oadrSignedObject (a reading changed): 463, nothing stored", str(code))

    # Tampered ReplayProtect: the nonce changed after signing.
    msg = signed("oadrPoll", ven_id=v)
    bad = re.sub(r"(<dsp:nonce>)([0-9a-f])", lambda m: m.group(1) + ("0" if m.group(2) != "0" else "1"), msg, count=1)
    code, _ = post("OadrPoll", bad)
    result(bad != msg and code == 463, "tampered ReplayProtect (nonce changed): 463", str(code))
    msg = signed("oadrPoll", ven_id=v)
    bad = re.sub(r"<dsp:timestamp>(\d{4})", lambda m: f"<dsp:timestamp>{int(m.group(1)) - 1}", msg, count=1)
    code, _ = post("OadrPoll", bad)
    result(bad != msg and code == 463, "tampered ReplayProtect (timestamp changed): 463", str(code))

    # Timestamp outside the window (signed correctly, 1 hour old).
    orig = messaging._create_replay_protect

    def old():
        el = orig()
        el[0].text = utils.datetimeformat(datetime.now(timezone.utc) - timedelta(hours=1))
        return el
    messaging._create_replay_protect = old
    try:
        msg = signed("oadrPoll", ven_id=v)
    finally:
        messaging._create_replay_protect = orig
    code, _ = post("OadrPoll", msg)
    result(code == 463, "ReplayProtect timestamp outside the window (1 h old, validly signed): 463", str(code))

    # Signed with another certificate than the TLS one: 463.
    other = create_message("oadrPoll", cert=open(f"{PKI}/ven-ec.crt", "rb").read(),
                           key=open(f"{PKI}/ven-ec.key", "rb").read(), ven_id=v)
    code, _ = post("OadrPoll", other)
    result(code == 463, "signed with a certificate other than the TLS client certificate: 463", str(code))

    # Enveloped shape (URI="" with the enveloped-signature transform), signed by the xmlsec1 CLI.
    inner = create_message("oadrPoll", ven_id=v)
    so = inner[inner.index("<oadr:oadrSignedObject"):inner.rindex("</oadr:oadrSignedObject>") + len("</oadr:oadrSignedObject>")]
    der = subprocess.run(["openssl", "x509", "-in", f"{PKI}/ven-rsa.crt", "-outform", "DER"], capture_output=True).stdout
    c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    tpl = (
        '<oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">'
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        f'<ds:CanonicalizationMethod Algorithm="{c14n}"/>'
        '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        f'<ds:Transform Algorithm="{c14n}"/></ds:Transforms>'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>'
        f'<ds:Reference URI="#props"><ds:Transforms><ds:Transform Algorithm="{c14n}"/></ds:Transforms>'
        '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>'
        '</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f'{base64.b64encode(der).decode()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'
        '<ds:Object Id="props"><ds:SignatureProperties><ds:SignatureProperty Target="#sig">'
        '<dsp:ReplayProtect xmlns:dsp="http://openadr.org/oadr-2.0b/2012/07/xmldsig-properties">'
        f'<dsp:timestamp>{ts}</dsp:timestamp><dsp:nonce>{uuid.uuid4().hex}</dsp:nonce></dsp:ReplayProtect>'
        '</ds:SignatureProperty></ds:SignatureProperties></ds:Object></ds:Signature>'
        f'{so}</oadr:oadrPayload>')
    tpath = os.path.join(TMP, "enveloped-tpl.xml")
    open(tpath, "w").write(tpl)
    x = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{PKI}/ven-rsa.key",
                        "--id-attr:Id", "http://openadr.org/oadr-2.0b/2012/07:oadrSignedObject", tpath],
                       capture_output=True)
    if x.returncode != 0:
        result(False, "xmlsec1 --sign (enveloped template)", x.stderr.decode()[-300:])
        return
    code, body = post("OadrPoll", x.stdout)
    result(code == 200, "enveloped-shape signature (URI=\"\" + enveloped-signature, by xmlsec1) accepted", f"{code} {body[:200]}")
    bad = x.stdout.replace(v.encode(), (v[:-1] + ("0" if v[-1] != "0" else "1")).encode(), 1)
    code, _ = post("OadrPoll", bad)
    result(code == 463, "enveloped shape, tampered venID: 463", str(code))


try:
    main()
except Exception as e:  # noqa: BLE001
    import traceback
    traceback.print_exc()
    result(False, "signature checks", f"{type(e).__name__}: {e}")
sys.exit(1 if failed else 0)
