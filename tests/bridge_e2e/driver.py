"""The whole loop: chain -> VTN -> VENs -> readings -> oracle -> chain.

Started by run.sh (which builds the binaries). Everything runs on loopback:
the local chain (contracts/chain-sim, the eight real contracts in a simnet),
our VTN in chain mode, and three of our VENs with simulated thermostats.
alice and bob shed; mallory's VEN opts out of level-2 events and does not.

Each step prints PASS/FAIL; the last line is "bridge_e2e: N passed, M failed".
With --demo the same run narrates for a person and leaves nothing behind.
"""
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PROFILE = os.environ.get("BRIDGE_PROFILE", "debug")
VTN = os.path.join(TARGET, PROFILE, "vtn")
VEN = os.path.join(TARGET, PROFILE, "ven")
DEMO = "--demo" in sys.argv
TOKEN = "e2e-admin-token"
LEAD = int(os.environ.get("BRIDGE_LEAD_S", "70"))  # seconds from event creation to start
DURATION = int(os.environ.get("BRIDGE_DURATION_S", "60"))
PEOPLE = [("alice", "wallet_3", True), ("bob", "wallet_4", True), ("mallory", "wallet_7", False)]

passed = failed = 0
procs = []


def say(msg):
    print(("  " if not DEMO else "") + msg, flush=True)


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name} {detail}", flush=True)
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http(method, url, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read() or b"null")


def wait_for(what, fn, timeout):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - keep polling until the deadline
            last = e
        time.sleep(1)
    print(f"  (timed out waiting for {what}; last: {last!r:.300})", flush=True)
    return None


def vtn_cli(*args, check_rc=True):
    env = dict(os.environ, VTN_ADMIN_TOKEN=TOKEN, VTN_API=f"http://127.0.0.1:{VTN_PORT}")
    r = subprocess.run([VTN, *args], capture_output=True, text=True, env=env, timeout=60)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"vtn {' '.join(args)}: {r.stderr.strip()[:400]}")
    return r


def cleanup(*_):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


signal.signal(signal.SIGTERM, lambda *_: (cleanup(), sys.exit(1)))

work = tempfile.mkdtemp(prefix="bridge-e2e-")
logs = open(os.path.join(work, "services.log"), "w")
VTN_PORT = free_port()

try:
    # 1. The local chain with the real contracts.
    say("starting the local chain (contracts/chain-sim: the eight contracts in a simnet)...")
    chain = subprocess.Popen(
        ["node", os.path.join(ROOT, "contracts/chain-sim/server.mjs"), "--port", "0", "--bootstrap",
         "--block-time-ms", "500", "--quiet"],
        stdout=subprocess.PIPE, stderr=logs, text=True, cwd=ROOT)
    procs.append(chain)
    line = chain.stdout.readline()
    CHAIN = json.loads(line)["url"]
    accounts = http("GET", CHAIN + "/sim/accounts")
    acct = {k: v for k, v in accounts["accounts"].items()}
    deployer = accounts["deployer"]
    check("local chain up", bool(deployer), line)

    def call(sender, contract, function, args):
        r = http("POST", CHAIN + "/sim/call", {"sender": sender, "contract": contract, "function": function, "args": args}, timeout=30)
        ok = r.get("tx_status") == "success"
        return ok, r

    def read(contract, function, args):
        return http("POST", CHAIN + "/sim/read", {"contract": contract, "function": function, "args": args})["result"]

    # 2. The VTN in chain mode, and three VENs.
    cfg = os.path.join(work, "vtn.toml")
    with open(cfg, "w") as f:
        f.write(f'''poll_freq = "PT1S"
report_granularity = "PT5S"
near_window = "PT30S"
[chain]
node_url = "{CHAIN}"
deployer = "{deployer}"
oracle_key = "{acct['wallet_2']['private_key']}"
confirmations = 1
poll_secs = 1
''')
    vtn_db = os.path.join(work, "vtn.db")
    env = dict(os.environ, VTN_ADMIN_TOKEN=TOKEN, RUST_LOG=os.environ.get("RUST_LOG", "info"))
    def start_vtn():
        p = subprocess.Popen([VTN, "serve", "--listen", f"127.0.0.1:{VTN_PORT}", "--db", vtn_db, "--config", cfg],
                             stdout=logs, stderr=logs, env=env)
        procs.append(p)
        return p

    vtn_proc = start_vtn()
    vtn_url = f"http://127.0.0.1:{VTN_PORT}/OpenADR2/Simple/2.0b"
    check("VTN up in chain mode", wait_for("VTN", lambda: vtn_cli("vens", "list", "--json").returncode == 0, 30) is not None)
    for name, _, sheds in PEOPLE:
        # Registration is `provisioned` by default: the operator adds each VEN by name first.
        added = vtn_cli("vens", "add", "--name", f"ven-{name}")
        check(f"operator provisioned ven-{name}", added.returncode == 0, added.stderr)
        vcfg = os.path.join(work, f"{name}.toml")
        with open(vcfg, "w") as f:
            f.write("[opt]\ndefault = \"optIn\"\n" + ("" if sheds else "max_level = 1.0\n"))
        say(f"starting VEN ven-{name} ({'sheds load' if sheds else 'opts out of level 2: will not shed'})")
        procs.append(subprocess.Popen([VEN, "run", "--vtn", vtn_url, "--name", f"ven-{name}", "--db",
                                       os.path.join(work, f"{name}.db"), "--config", vcfg], stdout=logs, stderr=logs))

    def vens():
        return json.loads(vtn_cli("vens", "list", "--json").stdout)

    def ven_list(v):
        return v if isinstance(v, list) else v.get("vens", [])

    reg = wait_for("3 VENs registered", lambda: len([v for v in ven_list(vens()) if v.get("registration_id")]) == 3 and ven_list(vens()), 40)
    check("three VENs registered", bool(reg))
    ven_ids = {v.get("ven_name"): v["ven_id"] for v in ven_list(vens())}

    # 3. On chain: users register and link their VENs; the utility creates and funds an event; users commit.
    for name, wallet, _ in PEOPLE:
        ok1, r1 = call(wallet, "user-registry", "register-user", [])
        h = hashlib.sha256(f"ven-{name}".encode()).hexdigest()
        ok2, r2 = call(wallet, "user-registry", "link-device", [{"buff": "0x" + h}])
        check(f"{name} registered and linked ven-{name} on chain", ok1 and ok2, f"{r1.get('result')} {r2.get('result')}")
    start = int(time.time()) + LEAD
    ok, r = call("wallet_1", "event-manager", "create-event",
                 [{"uint": start}, {"uint": DURATION}, {"uint": 5}, {"uint": 2}, {"uint": 300_000_000}])
    check("utility created and funded DR event 1 (level 2, 300 DRT pool)", ok, str(r.get("result")))
    say(f"event 1 starts at {time.strftime('%H:%M:%S', time.gmtime(start))} UTC for {DURATION} s")
    for name, wallet, _ in PEOPLE:
        ok, r = call(wallet, "commitment", "commit", [{"uint": 1}, {"uint": 10}, {"uint": 10_000_000}])
        check(f"{name} committed 10% reduction, staking 10 DRT", ok, str(r.get("result")))

    # 4. The VTN turns it into an OpenADR event for exactly those VENs; they answer.
    def chain_event():
        evs = json.loads(vtn_cli("events", "list", "--json").stdout)
        evs = evs if isinstance(evs, list) else evs.get("events", [])
        return next((e for e in evs if e.get("event_id") == "chain-1"), None)

    # An answer is an opt other than "pending": the VENs answer at their next
    # poll, up to a poll period after the event exists.
    def answered(e):
        return e if e and len([v for v in e.get("vens", []) if v.get("opt") not in (None, "pending")]) >= 3 else None

    ev = wait_for("chain-1 with 3 answers", lambda: answered(chain_event()), 40)
    check("VTN created OpenADR event chain-1 from the chain", ev is not None)
    if ev:
        spec = ev.get("spec", {})
        sig = (spec.get("signals") or [{}])[0]
        check("mapping: SIMPLE level signal, value 2, dtstart = chain start, PT60S",
              sig.get("signal_name") == "SIMPLE" and sig.get("intervals", [{}])[0].get("value") == 2
              and ev.get("duration") in (f"PT{DURATION}S", f"PT1M") and abs(int(time.mktime(time.strptime(ev["dtstart"][:19], "%Y-%m-%dT%H:%M:%S"))) - time.timezone - start) <= 1,
              json.dumps(ev)[:600])
        opts = {v.get("ven_id"): v.get("opt") for v in ev.get("vens", [])}
        say(f"VEN answers: { {n: opts.get(ven_ids.get(f'ven-{n}')) for n, _, _ in PEOPLE} }")
        check("alice and bob opted in, mallory opted out",
              opts.get(ven_ids["ven-alice"]) == "optIn" and opts.get(ven_ids["ven-bob"]) == "optIn" and opts.get(ven_ids["ven-mallory"]) == "optOut",
              json.dumps(ev.get("vens"))[:600])

    # 5. The event runs on chain; VENs follow their signal; telemetry flows.
    wait_for("event start", lambda: time.time() >= start, LEAD + 10)
    ok, r = call("wallet_1", "event-manager", "start-event", [{"uint": 1}])
    check("utility started the event on chain", ok, str(r.get("result")))
    # Ended on chain exactly at its planned end: the last interval's report
    # arrives after this, and the oracle must wait for it (verify below).
    wait_for("event end", lambda: time.time() >= start + DURATION, DURATION + 20)
    # Faults on the way to the oracle: the node answers errors for a while,
    # then mines nothing while the VTN is killed between broadcast and
    # confirmation. The submission must land once, with the first transaction.
    http("POST", CHAIN + "/sim/fault", {"mode": "errors", "seconds": 6})
    ok, r = call("wallet_1", "event-manager", "end-event", [{"uint": 1}])
    check("utility ended the event on chain", ok, str(r.get("result")))
    say("chain node answering 500s for 6 s...")
    time.sleep(2)
    check("VTN keeps serving while the chain is failing", vtn_cli("vens", "list", "--json", check_rc=False).returncode == 0)
    http("POST", CHAIN + "/sim/config", {"block_time_ms": 0})
    oracle_addr = acct["wallet_2"]["address"]
    pending = wait_for("the oracle transaction in the mempool",
                       lambda: [t for t in http("GET", CHAIN + "/sim/state").get("mempool", []) if oracle_addr in json.dumps(t)], 40)
    check("oracle transaction broadcast after the chain recovered", bool(pending), "")
    say("killing the VTN (-9) between broadcast and confirmation, then restarting it")
    vtn_proc.kill()
    vtn_proc.wait()
    vtn_proc = start_vtn()
    wait_for("VTN back", lambda: vtn_cli("vens", "list", "--json", check_rc=False).returncode == 0, 30)
    time.sleep(3)  # let the restarted bridge look at its outbox before anything is mined
    http("POST", CHAIN + "/sim/config", {"block_time_ms": 500})

    # 6. The oracle submits baseline/actual/hash per participant.
    def readings_on_chain():
        got = {}
        for name, wallet, _ in PEOPLE:
            v = read("data-oracle", "get-reading", [{"uint": 1}, {"principal": wallet}])
            if v.get("repr", "none") == "none":
                return None
            got[name] = v["repr"]
        return got

    on_chain = wait_for("oracle submissions", readings_on_chain, 60)
    check("oracle submitted all three participants to data-oracle", on_chain is not None)
    if on_chain:
        for n, v in on_chain.items():
            say(f"data-oracle {n}: {v[:160]}")
    evs = http("GET", CHAIN + f"/extended/v1/contract/{deployer}.data-oracle/events?limit=20")["results"]
    batch_txs = {e["tx_id"] for e in evs if "dr-reading" in e["contract_log"]["value"]["repr"]}
    check("one batch transaction carried all three readings", len(batch_txs) == 1, str(batch_txs))
    nonces = http("GET", CHAIN + f"/extended/v1/address/{oracle_addr}/nonces")
    check("the oracle sent exactly one transaction in all (no duplicate after the faults)",
          nonces.get("possible_next_nonce") == 1 and nonces.get("last_executed_tx_nonce") == 0, json.dumps(nonces))

    # 7. Verification, claims and the slash.
    results = {}
    for name, wallet, _ in PEOPLE:
        ok, r = call("wallet_8", "verification-engine", "verify-participant", [{"uint": 1}, {"principal": wallet}])
        results[name] = r.get("result", {}).get("repr", "")
        check(f"verified {name}", ok, results[name])
    say(f"verification: {results}")
    check("alice and bob compliant, mallory not",
          results.get("alice") == "(ok true)" and results.get("bob") == "(ok true)" and results.get("mallory") == "(ok false)", str(results))
    for name, wallet, _ in PEOPLE[:2]:
        ok, r = call(wallet, "reward-distributor", "claim", [{"uint": 1}])
        check(f"{name} claimed stake + reward", ok, str(r.get("result")))
        say(f"{name} claim: {r.get('result', {}).get('repr', '')[:200]}")
    ok, r = call("wallet_8", "reward-distributor", "slash", [{"uint": 1}, {"principal": PEOPLE[2][1]}])
    check("mallory's stake slashed", ok, str(r.get("result")))
    say(f"mallory slash: {r.get('result', {}).get('repr', '')[:200]}")

    # 8. Anyone can recompute the hashes from the VTN's readings.
    venv = dict(os.environ, VTN_DB=vtn_db)
    v = subprocess.run([VTN, "verify", "--event", "1", "--config", cfg, "--db", vtn_db], capture_output=True, text=True, env=venv, timeout=60)
    print(v.stdout, end="")
    check("vtn verify passes", v.returncode == 0, v.stderr[-400:])
    # Tamper with one stored reading that went into alice's hash (an energy
    # reading in the event window: the oracle counts Wh data points).
    con = sqlite3.connect(vtn_db, timeout=10)
    n = con.execute("UPDATE readings SET value = value + 1 WHERE id = (SELECT id FROM readings WHERE ven_id = ? AND rid = 'energy' AND dtstart >= ? AND dtstart < ? AND value IS NOT NULL ORDER BY id LIMIT 1)",
                    (ven_ids["ven-alice"], start * 1000, (start + DURATION) * 1000)).rowcount
    con.commit()
    con.close()
    v = subprocess.run([VTN, "verify", "--event", "1", "--config", cfg, "--db", vtn_db], capture_output=True, text=True, env=venv, timeout=60)
    print(v.stdout, end="")
    check("vtn verify fails after one reading is tampered with", n == 1 and v.returncode != 0, f"rows={n} rc={v.returncode}")
finally:
    cleanup()
    logs.close()
    if failed:
        print(f"  services log: {os.path.join(work, 'services.log')}")
        os.system(f"tail -40 {os.path.join(work, 'services.log')}")
    else:
        shutil.rmtree(work, ignore_errors=True)  # logs are kept only when something failed

print(f"bridge_e2e: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
