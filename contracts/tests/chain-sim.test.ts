// chain-sim: the local Stacks node/API stand-in (chain-sim/server.mjs), run
// as a child process on a free port with manual block production, driven
// over HTTP with transactions signed by @stacks/transactions.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Cl, cvToString, hexToCV, makeContractCall, serializeCV, type ClarityValue } from "@stacks/transactions";

const ROOT = process.cwd();
const accounts = simnet.getAccounts();
const DEPLOYER = accounts.get("deployer")!;
const OPERATOR = accounts.get("wallet_1")!;
const ORACLE = accounts.get("wallet_2")!;

let child: ChildProcess;
let base = "";
let stderr = "";
let keys: Record<string, { address: string; private_key: string }> = {};

async function startServer(): Promise<string> {
  child = spawn(process.execPath, [join(ROOT, "chain-sim", "server.mjs"), "--port", "0", "--block-time-ms", "0", "--quiet"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  process.once("exit", () => child.kill("SIGTERM")); // never leave the server behind
  child.stderr!.on("data", (d) => {
    stderr = (stderr + d.toString()).slice(-20000);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`chain-sim did not start:\n${stderr}`)), 60_000);
    child.stdout!.on("data", (d) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${JSON.parse(line).listening}`);
      }
    });
    child.on("exit", (code) => reject(new Error(`chain-sim exited with ${code}:\n${stderr}`)));
  });
}

async function get(path: string) {
  const r = await fetch(base + path);
  return { status: r.status, body: await r.json() };
}
async function post(path: string, body: unknown, contentType = "application/json") {
  const r = await fetch(base + path, {
    method: "POST",
    headers: { "content-type": contentType },
    body: body instanceof Uint8Array ? body : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

async function signedCall(sender: string, contract: string, fn: string, args: ClarityValue[], nonce: number, fee = 1000) {
  return makeContractCall({
    contractAddress: DEPLOYER,
    contractName: contract,
    functionName: fn,
    functionArgs: args,
    senderKey: keys[sender].private_key,
    network: "testnet",
    nonce: BigInt(nonce),
    fee: BigInt(fee),
    postConditionMode: "deny",
  });
}
const rawBytes = (tx: { serialize(): string }) => Buffer.from(tx.serialize(), "hex");
const broadcast = (tx: { serialize(): string }) => post("/v2/transactions", new Uint8Array(rawBytes(tx)), "application/octet-stream");
const eventArgs = (pool = 100_000_000n) => [Cl.uint(1_767_261_600n), Cl.uint(3600), Cl.uint(500), Cl.uint(2), Cl.uint(pool)];

describe("chain-sim", () => {
  beforeAll(async () => {
    base = await startServer();
  }, 90_000);

  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGTERM");
  });

  it("serves the devnet accounts with keys that match the simnet's addresses", async () => {
    const { status, body } = await get("/sim/accounts");
    expect(status).toBe(200);
    keys = body.accounts;
    for (const [name, addr] of accounts) expect(keys[name].address).toBe(addr);
    expect(keys.wallet_2.private_key).toMatch(/^[0-9a-f]{64}01$/);
    expect(body.deployer).toBe(DEPLOYER);
  });

  it("owner setup through /sim/call", async () => {
    const setups: [string, string, string, unknown[]][] = [
      ["deployer", "event-manager", "add-operator", [{ principal: "wallet_1" }]],
      ["deployer", "data-oracle", "add-oracle", [{ principal: ORACLE }]],
      ["deployer", "reward-token", "set-minter", ["'" + DEPLOYER, { bool: true }]],
      ["deployer", "reward-token", "mint", [{ uint: "1000000000" }, "0x" + serializeCV(Cl.principal(OPERATOR))]],
    ];
    for (const [sender, contract, fn, args] of setups) {
      const r = await post("/sim/call", { sender, contract, function: fn, args });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.tx_status).toBe("success");
      expect(r.body.result.repr).toBe("(ok true)");
    }
    const last = await get("/extended/v1/contract/" + DEPLOYER + ".data-oracle/events?limit=1");
    expect(last.body.results[0].contract_log.value.repr).toBe(`(tuple (enabled true) (event "dr-oracle-set") (oracle '${ORACLE}))`);
    // bad input is a 400 with a reason, never a crash
    for (const bad of [
      { sender: "wallet_1", contract: "no-such-contract", function: "x", args: [] },
      { sender: "wallet_1", contract: "event-manager", function: "get-event", args: ["u1"] },
      { sender: "wallet_1", contract: "event-manager", function: "create-event", args: ["u1"] },
      { sender: "nobody", contract: "event-manager", function: "create-event", args: [] },
      { sender: "wallet_1", contract: "event-manager", function: "create-event", args: [{ uint: 1.5 }] },
    ]) {
      const r = await post("/sim/call", bad);
      expect(r.status).toBe(400);
      expect(typeof r.body.error).toBe("string");
    }
    expect((await post("/sim/call", "{not json")).status).toBe(400);
    expect((await get("/no/such/route")).status).toBe(404);
  });

  it("a signed contract call: 200 txid -> pending -> mined -> success, print event at the events endpoint", async () => {
    const before = await get(`/extended/v1/address/${OPERATOR}/nonces`);
    expect(before.body).toMatchObject({ possible_next_nonce: 0, last_executed_tx_nonce: null, last_mempool_tx_nonce: null, detected_missing_nonces: [] });

    const tx = await signedCall("wallet_1", "event-manager", "create-event", eventArgs(), 0);
    const r = await broadcast(tx);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toBe(tx.txid()); // a JSON string, hex without 0x, as the node answers
    const txid = "0x" + tx.txid();

    const pending = await get(`/extended/v1/tx/${txid}`);
    expect(pending.body).toMatchObject({ tx_id: txid, tx_status: "pending", nonce: 0, fee_rate: "1000", sender_address: OPERATOR, tx_type: "contract_call" });
    expect(pending.body.block_height).toBeUndefined();
    const mp = await get(`/extended/v1/address/${OPERATOR}/nonces`);
    expect(mp.body).toMatchObject({ possible_next_nonce: 1, last_executed_tx_nonce: null, last_mempool_tx_nonce: 0 });

    const tipBefore = (await get("/v2/info")).body.stacks_tip_height;
    const mined = await post("/sim/mine", { blocks: 1 });
    expect(mined.body.mined_txs).toBe(1);
    const done = await get(`/extended/v1/tx/${txid}`);
    expect(done.body).toMatchObject({ tx_status: "success", tx_result: { hex: "0x" + serializeCV(Cl.ok(Cl.uint(1))), repr: "(ok u1)" } });
    expect(done.body.block_height).toBe(tipBefore + 1);
    // create-event moves the pool with no post-condition in deny mode: a node would abort it
    expect(done.body.sim_warning).toMatch(/abort_by_post_condition/);
    expect((await get("/v2/info")).body.stacks_tip_height).toBe(tipBefore + 1);

    const ev = await get(`/extended/v1/contract/${DEPLOYER}.event-manager/events?limit=5&offset=0`);
    expect(ev.status).toBe(200);
    expect(ev.body).toMatchObject({ limit: 5, offset: 0 });
    const first = ev.body.results[0]; // newest first
    expect(first).toMatchObject({
      event_type: "smart_contract_log",
      tx_id: txid,
      block_height: done.body.block_height,
      contract_log: { contract_id: `${DEPLOYER}.event-manager`, topic: "print" },
    });
    expect(first.event_index).toBe(1); // after the pool's ft_transfer event
    const value = hexToCV(first.contract_log.value.hex) as any;
    expect(cvToString(value.value.event)).toBe('"dr-event-created"');
    expect(value.value["event-id"]).toStrictEqual(Cl.uint(1));
    expect(first.contract_log.value.repr).toContain('(event "dr-event-created")');
    // the older print (add-operator) comes after it
    expect(ev.body.results[1].contract_log.value.repr).toContain('"dr-operator-set"');

    const after = await get(`/extended/v1/address/${OPERATOR}/nonces`);
    expect(after.body).toMatchObject({ possible_next_nonce: 1, last_executed_tx_nonce: 0, last_mempool_tx_nonce: null });
    const acct = await get(`/v2/accounts/${OPERATOR}?proof=0`);
    expect(acct.body.nonce).toBe(1);
    expect(acct.body.balance).toMatch(/^0x[0-9a-f]{32}$/);
    expect(acct.body.balance_proof).toBeUndefined();

    // resubmitting the same bytes is idempotent
    const again = await broadcast(tx);
    expect(again).toEqual({ status: 200, body: tx.txid() });
  });

  it("refuses a bad signature, a used nonce and a conflicting nonce; a nonce gap waits", async () => {
    // flip a byte of the signature (bytes 44..108 of a single-sig standard tx)
    const tx = await signedCall("wallet_1", "event-manager", "create-event", eventArgs(), 1);
    const bad = rawBytes(tx);
    bad[60] ^= 0x01;
    let r = await post("/v2/transactions", new Uint8Array(bad), "application/octet-stream");
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "transaction rejected", reason: "SignatureValidation" });
    // altering a signed argument breaks the signature too
    const forged = Buffer.from(rawBytes(tx).toString("hex").replace(serializeCV(Cl.uint(500)), serializeCV(Cl.uint(501))), "hex");
    r = await post("/v2/transactions", new Uint8Array(forged), "application/octet-stream");
    expect(r.body.reason).toBe("SignatureValidation");

    // a nonce already mined
    const replay = await signedCall("wallet_1", "event-manager", "create-event", eventArgs(7n), 0);
    r = await broadcast(replay);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ reason: "BadNonce", reason_data: { expected: 1, actual: 0, principal: OPERATOR, is_origin: true } });

    // nonce 2 before 1: accepted, waits in the mempool
    const gap = await signedCall("wallet_1", "event-manager", "create-event", eventArgs(2n), 2);
    r = await broadcast(gap);
    expect(r.status).toBe(200);
    expect((await get(`/extended/v1/address/${OPERATOR}/nonces`)).body).toMatchObject({
      last_executed_tx_nonce: 0, last_mempool_tx_nonce: 2, possible_next_nonce: 3, detected_missing_nonces: [1],
    });
    await post("/sim/mine", { blocks: 2 });
    expect((await get(`/extended/v1/tx/0x${gap.txid()}`)).body.tx_status).toBe("pending");

    // the same nonce again at the same fee conflicts with the pending one
    const dup = await signedCall("wallet_1", "event-manager", "create-event", eventArgs(3n), 2);
    r = await broadcast(dup);
    expect(r.status).toBe(400);
    expect(r.body.reason).toBe("ConflictingNonceInMempool");

    // the JSON form @stacks/transactions 7 broadcastTransaction posts fills the gap
    r = await post("/v2/transactions", { tx: tx.serialize() });
    expect(r).toEqual({ status: 200, body: tx.txid() });
    await post("/sim/mine", { blocks: 1 });
    expect((await get(`/extended/v1/tx/0x${tx.txid()}`)).body.tx_status).toBe("success");
    expect((await get(`/extended/v1/tx/0x${gap.txid()}`)).body.tx_status).toBe("success");
    expect((await get(`/v2/accounts/${OPERATOR}?proof=0`)).body.nonce).toBe(3);

    // admission checks on the call itself
    const wrongArgs = await signedCall("wallet_1", "event-manager", "create-event", [Cl.uint(1)], 3);
    expect((await broadcast(wrongArgs)).body.reason).toBe("BadFunctionArgument");
    const readOnly = await signedCall("wallet_1", "event-manager", "get-last-event-id", [], 3);
    expect((await broadcast(readOnly)).body.reason).toBe("NoSuchPublicFunction");
    const cheap = await signedCall("wallet_1", "event-manager", "start-event", [Cl.uint(1)], 3, 10);
    expect((await broadcast(cheap)).body).toMatchObject({ reason: "FeeTooLow", reason_data: { actual: 10 } });
    expect((await post("/v2/transactions", new Uint8Array([1, 2, 3]), "application/octet-stream")).body.reason).toBe("Deserialization");
  });

  it("a refused call is mined as abort_by_response and prints nothing", async () => {
    // wallet_3 is not an operator: (err u301)
    const tx = await signedCall("wallet_3", "event-manager", "create-event", eventArgs(), 0);
    expect((await broadcast(tx)).status).toBe(200);
    await post("/sim/mine", { blocks: 1 });
    const t = await get(`/extended/v1/tx/0x${tx.txid()}`);
    expect(t.body).toMatchObject({ tx_status: "abort_by_response", tx_result: { repr: "(err u301)" }, event_count: 0 });
    expect((await get(`/v2/accounts/${accounts.get("wallet_3")}?proof=0`)).body.nonce).toBe(1);
  });

  it("call-read returns serialised results in the node's shape", async () => {
    let r = await post(`/v2/contracts/call-read/${DEPLOYER}/event-manager/get-last-event-id`, { sender: DEPLOYER, arguments: [] });
    expect(r).toEqual({ status: 200, body: { okay: true, result: "0x" + serializeCV(Cl.uint(3)) } });
    r = await post(`/v2/contracts/call-read/${DEPLOYER}/event-manager/get-event`, { sender: OPERATOR, arguments: ["0x" + serializeCV(Cl.uint(1))] });
    expect(r.body.okay).toBe(true);
    const ev = hexToCV(r.body.result) as any;
    expect(ev.type).toBe("some");
    expect(ev.value.value.status).toStrictEqual(Cl.stringAscii("created"));
    r = await post(`/v2/contracts/call-read/${DEPLOYER}/event-manager/get-event`, { sender: OPERATOR, arguments: [] });
    expect(r.status).toBe(200);
    expect(r.body.okay).toBe(false);
    r = await post(`/v2/contracts/call-read/${DEPLOYER}/no-such/get-event`, { sender: OPERATOR, arguments: [] });
    expect(r.body.okay).toBe(false);
    r = await post(`/v2/contracts/call-read/${DEPLOYER}/event-manager/get-event`, { sender: OPERATOR, arguments: ["zz"] });
    expect(r.status).toBe(400);
  });

  it("blocks come on their own at the configured block time", async () => {
    const tip = (await get("/v2/info")).body.stacks_tip_height;
    const tx = await signedCall("wallet_1", "event-manager", "start-event", [Cl.uint(1)], 3);
    expect((await broadcast(tx)).status).toBe(200);
    expect((await post("/sim/config", { block_time_ms: 100 })).body.block_time_ms).toBe(100);
    let status = "pending";
    for (let i = 0; i < 50 && status === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await get(`/extended/v1/tx/0x${tx.txid()}`)).body.tx_status;
    }
    expect(status).toBe("success");
    await new Promise((r) => setTimeout(r, 400));
    expect((await get("/v2/info")).body.stacks_tip_height).toBeGreaterThan(tip + 2);
    await post("/sim/config", { block_time_ms: 0 });
  });

  it("fault injection: errors mode answers 500, down refuses connections, both recover", async () => {
    let r = await post("/sim/fault", { mode: "errors", seconds: 30 });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 50));
    expect((await get("/v2/info")).status).toBe(500);
    expect((await get(`/extended/v1/address/${OPERATOR}/nonces`)).status).toBe(500);
    r = await post("/sim/fault", { mode: "ok" });
    await new Promise((res) => setTimeout(res, 50));
    expect((await get("/v2/info")).status).toBe(200);

    r = await post("/sim/fault", { mode: "down", seconds: 1 });
    expect(r.status).toBe(200);
    await new Promise((res) => setTimeout(res, 200));
    await expect(fetch(base + "/v2/info")).rejects.toThrow();
    let up = false;
    for (let i = 0; i < 40 && !up; i++) {
      await new Promise((res) => setTimeout(res, 100));
      up = await fetch(base + "/v2/info").then((x) => x.ok, () => false);
    }
    expect(up).toBe(true);
    expect((await post("/sim/fault", { mode: "sideways" })).status).toBe(400);
    expect(child.exitCode).toBeNull();
  });
});
