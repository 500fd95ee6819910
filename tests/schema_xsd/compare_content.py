"""Compare two folders of OpenADR messages by what openleadr reads from them.

For every FILE in ORIG_DIR, parse ORIG_DIR/FILE and OURS_DIR/FILE with
openleadr's own parser (openleadr.messaging.parse_message) and require the
same message type and the same distilled payload. openleadr is the referee:
it never sees our model, only our bytes.

Readings we document as deliberate (see the README "Deviations and
interpretations"): an empty <ei:venID/> or <ei:registrationID/> means "none"
to us and is left out when we write, so openleadr sees None for it instead of
an empty value; the XML signature of a signed original is not reproduced by
re-serialisation (signing is a separate step).
"""
import json
import os
import sys

from openleadr.messaging import parse_message


def normalize(v):
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            x = normalize(x)
            if x in (None, "", [], {}):
                continue
            out[k] = x
        return out
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def main():
    orig, ours = sys.argv[1], sys.argv[2]
    passed = failed = 0
    for name in sorted(os.listdir(orig)):
        if not name.endswith(".xml"):
            continue
        try:
            with open(os.path.join(orig, name), "rb") as f:
                t1, p1 = parse_message(f.read())
            with open(os.path.join(ours, name), "rb") as f:
                t2, p2 = parse_message(f.read())
        except Exception as e:  # noqa: BLE001 - report any parse failure as a test failure
            print(f"FAIL content {name}: {e}")
            failed += 1
            continue
        a = normalize(json.loads(json.dumps(p1, default=str)))
        b = normalize(json.loads(json.dumps(p2, default=str)))
        if t1 == t2 and a == b:
            print(f"PASS content {name}")
            passed += 1
        else:
            print(f"FAIL content {name}: {t1} vs {t2}")
            print("  openleadr original:", json.dumps(a, sort_keys=True)[:2000])
            print("  ours re-serialised:", json.dumps(b, sort_keys=True)[:2000])
            failed += 1
    print(f"content: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
