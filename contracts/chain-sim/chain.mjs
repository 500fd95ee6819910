// The simulated chain behind chain-sim: a clarinet-sdk simnet running the
// project's contracts, a mempool with the node's admission rules for
// contract-call transactions, block production, and the indexes the API
// endpoints read (transactions, per-contract print events, nonces).
//
// Development and test tool only: see README.md for what differs from a node.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { initSimnet } from "@stacks/clarinet-sdk";
import {
  AuthType,
  ClarityType,
  Cl,
  PayloadType,
  PostConditionMode,
  addressFromVersionHash,
  addressHashModeToVersion,
  addressToString,
  deserializeTransaction,
  serializeTransactionBytes,
  txidFromBytes,
  validateStacksAddress,
  wireToPostCondition,
} from "@stacks/transactions";
import { argsMismatch, fromHex, repr, toHex } from "./clarity.mjs";
import { devnetAccounts } from "./keys.mjs";

export const TESTNET_CHAIN_ID = 0x80000000;
export const TX_VERSION_TESTNET = 0x80;
/** The node refuses a transaction whose nonce is this far ahead of the account's (MAXIMUM_MEMPOOL_TX_CHAINING). */
export const MAX_CHAINING = 25;
/** The node's minimum relay fee: 1 micro-STX per byte of the transaction (MINIMUM_TX_FEE_RATE_PER_BYTE). */
export const MIN_FEE_PER_BYTE = 1;
/** Transactions mined per block tick at most (each in its own block). */
export const MAX_TXS_PER_TICK = 100;

/** Roles the project's tests give the devnet accounts (tests/helpers.ts). */
export const ROLES = {
  deployer: "contract owner (reward-token, event-manager, data-oracle); faucet minter after bootstrap",
  wallet_1: "operator (event-manager) after bootstrap",
  wallet_2: "oracle (data-oracle) after bootstrap: the VTN's signer",
  wallet_3: "participant (alice)",
  wallet_4: "participant (bob)",
  wallet_5: "participant (carol)",
  wallet_6: "participant (dave)",
  wallet_7: "participant (mallory)",
  wallet_8: "governance voter",
  faucet: "STX only",
};

/** A refusal in the node's shape: 400 {error, reason, reason_data, txid}. */
export class Rejection extends Error {
  constructor(reason, reasonData, txid) {
    super(`${reason}${reasonData?.message ? `: ${reasonData.message}` : ""}`);
    this.reason = reason;
    this.reasonData = reasonData;
    this.txid = txid;
  }
  toJSON() {
    // reason_data is always present, as the API's PostCoreNodeTransactionsError requires
    return { error: "transaction rejected", reason: this.reason, reason_data: this.reasonData ?? {}, txid: this.txid };
  }
}

/** A bad request to a /sim/* or read endpoint (400 {error}). */
export class BadRequest extends Error {}

const sha256 = (s) => createHash("sha256").update(s).digest("hex");
const strip0x = (s) => s.replace(/^0x/i, "").toLowerCase();
const now = () => Math.floor(Date.now() / 1000);
const u128hex = (n) => "0x" + BigInt(n).toString(16).padStart(32, "0");
const iso = (t) => new Date(t * 1000).toISOString();

/** A contract ABI type as Clarity source writes it (the API's function_args[].type). */
export function abiTypeString(t) {
  if (typeof t === "string") {
    return { uint128: "uint", int128: "int", bool: "bool", principal: "principal", trait_reference: "<trait>", none: "none" }[t] ?? t;
  }
  if (t.buffer) return `(buff ${t.buffer.length})`;
  if (t["string-ascii"]) return `(string-ascii ${t["string-ascii"].length})`;
  if (t["string-utf8"]) return `(string-utf8 ${t["string-utf8"].length})`;
  if (t.optional) return `(optional ${abiTypeString(t.optional)})`;
  if (t.response) return `(response ${abiTypeString(t.response.ok)} ${abiTypeString(t.response.error)})`;
  if (t.list) return `(list ${t.list.length} ${abiTypeString(t.list.type)})`;
  if (t.tuple) return `(tuple ${t.tuple.map((f) => `(${f.name} ${abiTypeString(f.type)})`).join(" ")})`;
  return JSON.stringify(t);
}

/** The API's function_signature: `(define-public (name (arg type) ...))`. */
export function functionSignature(fn) {
  const access = { public: "define-public", read_only: "define-read-only", private: "define-private" }[fn.access] ?? "define-public";
  const args = fn.args.map((a) => ` (${a.name} ${abiTypeString(a.type)})`).join("");
  return `(${access} (${fn.name}${args}))`;
}

export class Chain {
  /**
   * @param {object} o
   * @param {string} o.manifest   path of Clarinet.toml
   * @param {string} o.devnet     path of settings/Devnet.toml (account keys)
   * @param {string} [o.state]    journal file: replayed on start, appended as blocks are made
   */
  static async create({ manifest, devnet, state }) {
    const simnet = await initSimnet(manifest);
    const chain = new Chain(simnet, devnetAccounts(devnet), state);
    if (state && existsSync(state)) chain.replay(state);
    return chain;
  }

  constructor(simnet, accounts, journalFile) {
    this.simnet = simnet;
    this.deployer = simnet.deployer;
    this.accounts = accounts; // name -> {address, private_key, path}
    this.byName = new Map(Object.entries(accounts).map(([n, a]) => [n, a.address]));
    for (const [name, addr] of simnet.getAccounts()) {
      if (this.byName.get(name) !== addr) throw new Error(`key derived for ${name} does not match the simnet's ${addr}`);
    }
    this.interfaces = simnet.getContractsInterfaces();
    this.txs = new Map(); // txid (hex, no 0x) -> record
    this.mempool = []; // pending raw-tx records in arrival order
    this.nonces = new Map(); // address -> next nonce the chain expects (confirmed)
    this.contractLogs = new Map(); // contract id -> [{txid, height, txIndex, eventIndex, hex, repr}] in chain order
    this.blockTxs = new Map(); // height -> [txid]
    // height -> {time, burn}: the simnet's block time (what `stacks-block-time`
    // returns there) and burn height of every block, recorded as it is mined
    this.blockInfo = new Map();
    for (let h = 1; h < simnet.blockHeight; h++) this.blockInfo.set(h, { time: this.snippetTime(h), burn: Math.min(h, simnet.burnBlockHeight) });
    this.recordBlock();
    this.simSeq = 0;
    this.journalFile = journalFile;
    this.pendingEmpty = 0;
    this.replaying = false;
  }

  // ---------------------------------------------------------------- helpers

  get height() {
    return this.simnet.blockHeight;
  }
  get burnHeight() {
    return this.simnet.burnBlockHeight;
  }

  /** An account name (deployer, wallet_1, ...) or an address as given. */
  resolve(who) {
    return this.byName.get(who) ?? who;
  }

  contractId(contract) {
    if (typeof contract !== "string" || contract === "") throw new BadRequest("contract is required");
    return contract.includes(".") ? `${this.resolve(contract.split(".")[0])}.${contract.split(".")[1]}` : `${this.deployer}.${contract}`;
  }

  nonceOf(address) {
    return this.nonces.get(address) ?? 0;
  }

  stxBalance(address) {
    return this.simnet.getAssetsMap().get("STX")?.get(address) ?? 0n;
  }

  /** Records the tip block's time and burn height (call after every block mined). */
  recordBlock() {
    this.blockInfo.set(this.simnet.blockHeight, { time: Number(this.simnet.getBlockTime()), burn: this.simnet.burnBlockHeight });
  }

  /** The time of a past block, from the simnet (`get-stacks-block-info? time`). */
  snippetTime(h) {
    try {
      const v = fromHex(this.simnet.runSnippet(`(get-stacks-block-info? time u${h})`));
      if (v.type === "some") return Number(v.value.value);
    } catch {}
    return 0;
  }

  blockTime(h) {
    return this.blockInfo.get(h)?.time ?? 0;
  }

  burnHeightOf(h) {
    return this.blockInfo.get(h)?.burn ?? 0;
  }

  blockHash(height) {
    return "0x" + sha256(`chain-sim block ${height}`);
  }

  findFunction(contractId, fn) {
    const iface = this.interfaces.get(contractId);
    if (!iface) return { error: "NoSuchContract" };
    const f = iface.functions.find((x) => x.name === fn);
    return f ? { fn: f } : { error: "NoSuchFunction" };
  }

  // -------------------------------------------------------------- admission

  /**
   * Admits a raw signed transaction to the mempool (POST /v2/transactions).
   * Returns the txid (hex without 0x, as the node answers); throws Rejection.
   */
  submit(raw) {
    const txid = raw.length ? txidFromBytes(raw) : "0".repeat(64);
    if (this.txs.has(txid)) return txid; // already known: the node answers 200 with the txid again
    let tx;
    try {
      tx = deserializeTransaction(raw);
      if (serializeTransactionBytes(tx).length !== raw.length) throw new Error("trailing bytes after the transaction");
    } catch (e) {
      throw new Rejection("Deserialization", { message: String(e?.message ?? e) }, txid);
    }
    if (tx.transactionVersion !== TX_VERSION_TESTNET) {
      throw new Rejection("BadTransactionVersion", { message: `transaction version 0x${tx.transactionVersion.toString(16)}, this chain is testnet (0x80)` }, txid);
    }
    if (tx.chainId !== TESTNET_CHAIN_ID) {
      throw new Rejection("BadTransactionVersion", { message: `chain id 0x${tx.chainId.toString(16)}, this chain is testnet (0x80000000)` }, txid);
    }
    if (tx.auth.authType !== AuthType.Standard) {
      throw new Rejection("ServerFailureOther", { message: "chain-sim does not support sponsored transactions" }, txid);
    }
    if (tx.payload.payloadType !== PayloadType.ContractCall) {
      throw new Rejection("ServerFailureOther", { message: "chain-sim accepts contract-call transactions only" }, txid);
    }
    try {
      tx.verifyOrigin(); // recovers the signer from the signature; throws if it is not the spending condition's signer
    } catch (e) {
      throw new Rejection("SignatureValidation", { message: String(e?.message ?? e) }, txid);
    }
    const sc = tx.auth.spendingCondition;
    let sender;
    try {
      sender = addressToString(addressFromVersionHash(addressHashModeToVersion(sc.hashMode, "testnet"), sc.signer));
    } catch (e) {
      throw new Rejection("SignatureValidation", { message: String(e?.message ?? e) }, txid);
    }
    const nonce = Number(sc.nonce);
    const fee = BigInt(sc.fee);
    const minFee = BigInt(raw.length * MIN_FEE_PER_BYTE);
    if (fee < minFee) throw new Rejection("FeeTooLow", { expected: Number(minFee), actual: Number(fee) }, txid);

    const expected = this.nonceOf(sender);
    if (nonce < expected) {
      throw new Rejection("BadNonce", { expected, actual: nonce, principal: sender, is_origin: true }, txid);
    }
    if (nonce >= expected + MAX_CHAINING) {
      throw new Rejection(
        "TooMuchChaining",
        { message: "Nonce would exceed chaining limit in mempool", expected: expected + MAX_CHAINING - 1, actual: nonce, principal: sender, is_origin: true },
        txid,
      );
    }
    const balance = this.stxBalance(sender);
    if (balance < fee) throw new Rejection("NotEnoughFunds", { expected: u128hex(fee), actual: u128hex(balance) }, txid);

    const p = tx.payload;
    const contractAddress = addressToString(p.contractAddress);
    if (!contractAddress.startsWith("ST") && !contractAddress.startsWith("SN")) throw new Rejection("BadAddressVersionByte", undefined, txid);
    const contractId = `${contractAddress}.${p.contractName.content}`;
    const functionName = p.functionName.content;
    const found = this.findFunction(contractId, functionName);
    if (found.error === "NoSuchContract") throw new Rejection("NoSuchContract", undefined, txid);
    if (!found.fn || found.fn.access !== "public") throw new Rejection("NoSuchPublicFunction", undefined, txid);
    const mismatch = argsMismatch(found.fn, p.functionArgs);
    if (mismatch) throw new Rejection("BadFunctionArgument", { message: mismatch }, txid);

    const prior = this.mempool.find((r) => r.sender === sender && r.nonce === nonce);
    if (prior) {
      if (fee <= prior.fee) throw new Rejection("ConflictingNonceInMempool", undefined, txid);
      // replace-by-fee, as the node does when the new fee is higher
      this.mempool = this.mempool.filter((r) => r !== prior);
      prior.status = "dropped_replace_by_fee";
      prior.replacedBy = txid;
    }
    const rec = this.rawRecord(txid, raw, tx, sender, contractId, functionName);
    this.txs.set(txid, rec);
    this.mempool.push(rec);
    return txid;
  }

  rawRecord(txid, raw, tx, sender, contractId, functionName) {
    const sc = tx.auth.spendingCondition;
    let postConditions = [];
    try {
      postConditions = tx.postConditions.values.map((w) => wireToPostCondition(w));
    } catch {
      postConditions = [];
    }
    return {
      kind: "raw",
      txid,
      raw: Buffer.from(raw).toString("hex"),
      sender,
      nonce: Number(sc.nonce),
      fee: BigInt(sc.fee),
      contractId,
      functionName,
      args: tx.payload.functionArgs,
      // 1 allow, 2 deny, 3 originator (epoch 3.4: only the origin's unlisted transfers abort)
      postConditionMode: { [PostConditionMode.Allow]: "allow", [PostConditionMode.Deny]: "deny", [PostConditionMode.Originator]: "originator" }[tx.postConditionMode] ?? "deny",
      postConditions,
      status: "pending",
      receiptTime: now(),
    };
  }

  // ------------------------------------------------------------------ mining

  /** The next pending transaction whose nonce is the one its sender's account expects. */
  nextReady() {
    return this.mempool.find((r) => r.nonce === this.nonceOf(r.sender));
  }

  /** One block tick: mines every ready transaction (one block each), or an empty block. */
  tick() {
    let mined = 0;
    for (let r = this.nextReady(); r && mined < MAX_TXS_PER_TICK; r = this.nextReady()) {
      this.mempool = this.mempool.filter((x) => x !== r);
      this.executeRecord(r);
      this.nonces.set(r.sender, r.nonce + 1);
      this.journal({ t: "raw", hex: r.raw, receipt: r.receiptTime, time: r.blockTime });
      mined++;
    }
    if (mined === 0) this.mineEmpty(1);
    return mined;
  }

  mineEmpty(n) {
    if (n <= 0) return;
    this.mineEmptyRecorded(n);
    if (this.journalFile && !this.replaying) this.pendingEmpty += n;
  }

  /** n empty blocks, one at a time so that each one's time and burn height is recorded. */
  mineEmptyRecorded(n) {
    for (let i = 0; i < n; i++) {
      this.simnet.mineEmptyBlock();
      this.recordBlock();
    }
  }

  /** Runs a record's call in a block of its own and indexes its result and events. */
  executeRecord(rec, time = now()) {
    const before = this.simnet.blockHeight;
    let result;
    let events = [];
    let vmError;
    try {
      const r = this.simnet.callPublicFn(rec.contractId, rec.functionName, rec.args, rec.sender);
      result = r.result;
      events = r.events ?? [];
    } catch (e) {
      // a Clarity runtime error: on a node the tx is mined, aborted, its result (err none)
      vmError = String(e?.message ?? e);
      result = Cl.error(Cl.none());
      events = [];
    }
    if (this.simnet.blockHeight === before) this.simnet.mineEmptyBlock();
    const height = this.simnet.blockHeight;
    this.recordBlock();
    // `time` (the wall clock, kept in the journal) is not the block's time:
    // the block time is the simnet's, the one the contracts see
    void time;
    rec.status = result.type === ClarityType.ResponseOk ? "success" : "abort_by_response";
    rec.result = result;
    rec.events = events;
    rec.vmError = vmError;
    rec.blockHeight = height;
    rec.burnBlockHeight = this.burnHeightOf(height);
    rec.blockTime = this.blockTime(height);
    rec.txIndex = 0;
    rec.warning = this.postConditionWarning(rec);
    this.blockTxs.set(height, [rec.txid]);
    events.forEach((e, i) => {
      if (e.event !== "print_event") return;
      const cid = e.data.contract_identifier;
      const hex = e.data.raw_value;
      let r;
      try {
        r = repr(fromHex(hex));
      } catch {
        r = "";
      }
      if (!this.contractLogs.has(cid)) this.contractLogs.set(cid, []);
      this.contractLogs.get(cid).push({ txid: rec.txid, height, txIndex: 0, eventIndex: i, topic: e.data.topic ?? "print", hex, repr: r });
    });
    return rec;
  }

  /**
   * Post-conditions are not enforced (the simnet cannot roll a call back after
   * the fact). A deny-mode transaction that moved an asset no post-condition
   * mentions would be aborted by a node: say so on the record.
   */
  postConditionWarning(rec) {
    if (rec.kind !== "raw" || rec.postConditionMode === "allow" || rec.status !== "success") return undefined;
    const moved = rec.events
      .filter((e) => ["ft_transfer_event", "stx_transfer_event", "nft_transfer_event", "ft_burn_event", "stx_burn_event", "nft_burn_event"].includes(e.event))
      .filter((e) => rec.postConditionMode === "deny" || e.data.sender === rec.sender);
    const who = (pc) => (pc.address === "origin" ? rec.sender : pc.address);
    const uncovered = moved.filter((e) => {
      const asset = e.data.asset_identifier;
      return !rec.postConditions.some((pc) => who(pc) === e.data.sender && (asset === undefined ? pc.type === "stx-postcondition" : pc.asset === asset));
    });
    if (uncovered.length === 0) return undefined;
    return `post-conditions not enforced by chain-sim: a node would abort this ${rec.postConditionMode}-mode transaction (abort_by_post_condition): ${uncovered.length} asset movement(s) without a post-condition`;
  }

  /** Mines `n` block ticks at once (POST /sim/mine). */
  mine(n) {
    let txs = 0;
    for (let i = 0; i < n; i++) txs += this.tick();
    this.flushJournal();
    return txs;
  }

  // ---------------------------------------------------------- admin calls

  /**
   * Executes a public function as `sender` at once, in a block of its own, with
   * no signature, fee or nonce (POST /sim/call). It does not use up a nonce.
   */
  simCall(senderName, contract, fn, args, { txid, time } = {}) {
    const sender = this.resolve(senderName);
    if (typeof sender !== "string" || !validateStacksAddress(sender)) throw new BadRequest(`bad sender ${JSON.stringify(senderName)}: an account name (${[...this.byName.keys()].join(", ")}) or a standard principal`);
    const contractId = this.contractId(contract);
    if (typeof fn !== "string" || fn === "") throw new BadRequest("function is required");
    const found = this.findFunction(contractId, fn);
    if (found.error === "NoSuchContract") throw new BadRequest(`no contract ${contractId}`);
    if (!found.fn || found.fn.access !== "public") throw new BadRequest(`${contractId} has no public function ${fn}`);
    const mismatch = argsMismatch(found.fn, args);
    if (mismatch) throw new BadRequest(`bad arguments: ${mismatch}`);
    this.simSeq++;
    const id = txid ?? sha256(`chain-sim call ${this.simSeq} ${this.height} ${sender} ${contractId} ${fn} ${args.map(toHex).join(",")}`);
    const rec = {
      kind: "sim",
      txid: id,
      sender,
      nonce: this.nonceOf(sender),
      fee: 0n,
      contractId,
      functionName: fn,
      args,
      postConditionMode: "allow",
      postConditions: [],
      status: "pending",
      receiptTime: time ?? now(),
    };
    this.txs.set(id, rec);
    this.executeRecord(rec, time ?? now());
    this.journal({ t: "sim", txid: id, sender, contract: contractId, fn, args: args.map(toHex), time: rec.blockTime });
    this.flushJournal();
    return rec;
  }

  /** Read-only call; returns the result value or throws BadRequest. */
  readOnly(contract, fn, args, sender = this.deployer) {
    const contractId = this.contractId(contract);
    const found = this.findFunction(contractId, fn);
    if (found.error === "NoSuchContract") throw new BadRequest(`NoSuchContract(${contractId})`);
    if (!found.fn) throw new BadRequest(`UndefinedFunction(${fn})`);
    if (found.fn.access !== "read_only") throw new BadRequest(`NotReadOnly(${fn} is ${found.fn.access})`);
    const mismatch = argsMismatch(found.fn, args);
    if (mismatch) throw new BadRequest(`TypeValueError: ${mismatch}`);
    const s = this.resolve(sender);
    if (!validateStacksAddress(String(s).split(".")[0])) throw new BadRequest(`bad sender ${sender}`);
    try {
      return this.simnet.callReadOnlyFn(contractId, fn, args, s).result;
    } catch (e) {
      throw new BadRequest(`RuntimeError: ${String(e?.message ?? e)}`);
    }
  }

  /** The owner setup tests/helpers.ts `bootstrap()` does, as admin calls. */
  bootstrap() {
    const DRT = 1_000_000n;
    const w = (n) => this.byName.get(n);
    const calls = [
      ["deployer", "reward-token", "set-minter", [Cl.principal(this.deployer), Cl.bool(true)]],
      ["deployer", "event-manager", "add-operator", [Cl.principal(w("wallet_1"))]],
      ["deployer", "data-oracle", "add-oracle", [Cl.principal(w("wallet_2"))]],
      ["deployer", "reward-token", "mint", [Cl.uint(1_000n * DRT), Cl.principal(w("wallet_1"))]],
      ...["wallet_3", "wallet_4", "wallet_5", "wallet_6", "wallet_7"].map((n) => ["deployer", "reward-token", "mint", [Cl.uint(100n * DRT), Cl.principal(w(n))]]),
    ];
    return calls.map(([s, c, f, a]) => this.simCall(s, c, f, a));
  }

  // ----------------------------------------------------------------- journal

  journal(entry) {
    if (!this.journalFile || this.replaying) return;
    if (this.pendingEmpty > 0) {
      // the empty blocks mined before this entry (the tick that mined `entry` added none)
      this.writeJournal({ t: "empty", n: this.pendingEmpty });
      this.pendingEmpty = 0;
    }
    this.writeJournal(entry);
  }

  /** Writes the count of empty blocks mined since the last entry (called every second and on exit). */
  flushJournal() {
    if (!this.journalFile || this.replaying || this.pendingEmpty === 0) return;
    this.writeJournal({ t: "empty", n: this.pendingEmpty });
    this.pendingEmpty = 0;
  }

  writeJournal(entry) {
    appendFileSync(this.journalFile, JSON.stringify(entry) + "\n");
  }

  /** Replays a journal: the same calls in the same blocks give the same chain. */
  replay(file) {
    this.replaying = true;
    const lines = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
    let n = 0;
    for (const [i, line] of lines.entries()) {
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        process.stderr.write(`chain-sim: ignoring unreadable journal line ${i + 1} of ${file}\n`);
        continue;
      }
      if (e.t === "empty") {
        this.mineEmptyRecorded(e.n);
      } else if (e.t === "sim") {
        this.simCall(e.sender, e.contract, e.fn, e.args.map(fromHex), { txid: e.txid, time: e.time });
      } else if (e.t === "raw") {
        const raw = Buffer.from(e.hex, "hex");
        const tx = deserializeTransaction(raw);
        const sc = tx.auth.spendingCondition;
        const sender = addressToString(addressFromVersionHash(addressHashModeToVersion(sc.hashMode, "testnet"), sc.signer));
        const p = tx.payload;
        const rec = this.rawRecord(txidFromBytes(raw), raw, tx, sender, `${addressToString(p.contractAddress)}.${p.contractName.content}`, p.functionName.content);
        rec.receiptTime = e.receipt ?? rec.receiptTime;
        this.txs.set(rec.txid, rec);
        this.executeRecord(rec, e.time);
        this.nonces.set(sender, rec.nonce + 1);
      }
      n++;
    }
    this.pendingEmpty = 0;
    this.replaying = false;
    process.stderr.write(`chain-sim: replayed ${n} journal entries from ${file}; tip ${this.height}\n`);
  }

  // ------------------------------------------------------------ API shapes

  txJson(rec) {
    const fnAbi = this.findFunction(rec.contractId, rec.functionName).fn;
    const base = {
      tx_id: "0x" + rec.txid,
      nonce: rec.nonce,
      fee_rate: String(rec.fee),
      sender_address: rec.sender,
      sponsored: false,
      post_condition_mode: rec.postConditionMode,
      post_conditions: rec.postConditions,
      anchor_mode: "any",
      tx_status: rec.status,
      tx_type: "contract_call",
      contract_call: {
        contract_id: rec.contractId,
        function_name: rec.functionName,
        function_signature: fnAbi ? functionSignature(fnAbi) : "",
        function_args: rec.args.map((a, i) => ({
          hex: toHex(a),
          repr: repr(a),
          name: fnAbi?.args[i]?.name ?? "",
          type: fnAbi?.args[i] ? abiTypeString(fnAbi.args[i].type) : "",
        })),
      },
    };
    if (rec.kind === "sim") base.sim_call = true; // executed by POST /sim/call: no signature, fee or nonce
    if (rec.status === "pending" || rec.status.startsWith("dropped")) {
      return { ...base, receipt_time: rec.receiptTime, receipt_time_iso: new Date(rec.receiptTime * 1000).toISOString() };
    }
    const out = {
      ...base,
      is_unanchored: false,
      block_hash: this.blockHash(rec.blockHeight),
      parent_block_hash: this.blockHash(rec.blockHeight - 1),
      block_height: rec.blockHeight,
      block_time: rec.blockTime,
      block_time_iso: iso(rec.blockTime),
      burn_block_height: rec.burnBlockHeight,
      burn_block_time: this.burnBlockTime(rec.blockHeight),
      burn_block_time_iso: iso(this.burnBlockTime(rec.blockHeight)),
      canonical: true,
      microblock_canonical: true,
      microblock_sequence: 2147483647,
      microblock_hash: "0x",
      parent_burn_block_time: this.burnBlockTime(rec.blockHeight),
      parent_burn_block_time_iso: iso(this.burnBlockTime(rec.blockHeight)),
      tx_index: rec.txIndex,
      tx_result: { hex: toHex(rec.result), repr: repr(rec.result) },
      event_count: rec.events.length,
      events: rec.events.map((e, i) => this.eventJson(rec, e, i)),
      execution_cost_read_count: 0,
      execution_cost_read_length: 0,
      execution_cost_runtime: 0,
      execution_cost_write_count: 0,
      execution_cost_write_length: 0,
    };
    if (rec.vmError) out.vm_error = rec.vmError;
    if (rec.warning) out.sim_warning = rec.warning;
    return out;
  }

  eventJson(rec, e, i) {
    const d = e.data ?? {};
    const base = { event_index: i, tx_id: "0x" + rec.txid };
    switch (e.event) {
      case "print_event": {
        let r = "";
        try {
          r = repr(fromHex(d.raw_value));
        } catch {}
        return { ...base, event_type: "smart_contract_log", contract_log: { contract_id: d.contract_identifier, topic: d.topic ?? "print", value: { hex: d.raw_value, repr: r } } };
      }
      case "ft_transfer_event":
      case "ft_mint_event":
      case "ft_burn_event":
        return {
          ...base,
          event_type: "fungible_token_asset",
          asset: { asset_event_type: e.event.split("_")[1], asset_id: d.asset_identifier, sender: d.sender ?? "", recipient: d.recipient ?? "", amount: String(d.amount) },
        };
      case "stx_transfer_event":
      case "stx_mint_event":
      case "stx_burn_event":
        return { ...base, event_type: "stx_asset", asset: { asset_event_type: e.event.split("_")[1], sender: d.sender ?? "", recipient: d.recipient ?? "", amount: String(d.amount) } };
      case "nft_transfer_event":
      case "nft_mint_event":
      case "nft_burn_event":
        return {
          ...base,
          event_type: "non_fungible_token_asset",
          asset: { asset_event_type: e.event.split("_")[1], asset_id: d.asset_identifier, sender: d.sender ?? "", recipient: d.recipient ?? "", value: { hex: d.raw_value ?? "", repr: "" } },
        };
      default:
        return { ...base, event_type: e.event, data: JSON.parse(JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? String(v) : v))) };
    }
  }

  /** GET /extended/v1/contract/{id}/events: print events, newest first, with the block height of each. */
  contractEvents(contractId, limit, offset) {
    const all = this.contractLogs.get(contractId) ?? [];
    const results = [];
    for (let i = all.length - 1 - offset; i >= 0 && results.length < limit; i--) {
      const l = all[i];
      results.push({
        event_index: l.eventIndex,
        event_type: "smart_contract_log",
        tx_id: "0x" + l.txid,
        contract_log: { contract_id: contractId, topic: l.topic, value: { hex: l.hex, repr: l.repr } },
        block_height: l.height, // chain-sim extra: the real endpoint has no height (read it from the tx)
      });
    }
    return { limit, offset, results };
  }

  noncesJson(address) {
    const executed = this.nonceOf(address);
    const pending = this.mempool.filter((r) => r.sender === address).map((r) => r.nonce).sort((a, b) => b - a);
    const lastMempool = pending.length ? pending[0] : null;
    const missing = [];
    if (lastMempool !== null) for (let n = lastMempool - 1; n >= executed; n--) if (!pending.includes(n)) missing.push(n);
    return {
      last_mempool_tx_nonce: lastMempool,
      last_executed_tx_nonce: executed > 0 ? executed - 1 : null,
      possible_next_nonce: Math.max(executed, lastMempool === null ? 0 : lastMempool + 1),
      detected_missing_nonces: missing,
      detected_mempool_nonces: pending,
    };
  }

  accountJson(address, proof) {
    const out = { balance: u128hex(this.stxBalance(address)), locked: u128hex(0), unlock_height: 0, nonce: this.nonceOf(address) };
    if (proof) Object.assign(out, { balance_proof: "", nonce_proof: "" });
    return out;
  }

  infoJson() {
    return {
      peer_version: 4207599116,
      pox_consensus: "0x" + sha256(`pox ${this.burnHeight}`).slice(0, 40),
      burn_block_height: this.burnHeight,
      stable_pox_consensus: "0x" + sha256(`pox ${Math.max(0, this.burnHeight - 7)}`).slice(0, 40),
      stable_burn_block_height: Math.max(0, this.burnHeight - 7),
      server_version: "chain-sim (clarinet-sdk simnet): not a Stacks node",
      network_id: TESTNET_CHAIN_ID,
      parent_network_id: 118034699,
      stacks_tip_height: this.height,
      stacks_tip: this.blockHash(this.height),
      stacks_tip_consensus_hash: "0x" + sha256(`consensus ${this.height}`).slice(0, 40),
      genesis_chainstate_hash: "0x" + sha256("chain-sim genesis"),
      unanchored_tip: this.blockHash(this.height),
      unanchored_seq: null,
      tenure_height: this.burnHeight,
      exit_at_block_height: null,
      is_fully_synced: true,
    };
  }

  /** The time of the burn block a Stacks block is anchored to (the first Stacks block of that burn height). */
  burnBlockTime(h) {
    const burn = this.burnHeightOf(h);
    let first = h;
    while (first > 1 && this.burnHeightOf(first - 1) === burn) first--;
    return this.blockTime(first);
  }

  /** GET /extended/v1/block: the API's Block shape; every block has its time and burn height. */
  blocksJson(limit, offset) {
    const results = [];
    for (let h = this.height - offset; h >= 1 && results.length < limit; h--) {
      const time = this.blockTime(h);
      const burnTime = this.burnBlockTime(h);
      results.push({
        canonical: true,
        height: h,
        hash: this.blockHash(h),
        block_time: time,
        block_time_iso: iso(time),
        index_block_hash: this.blockHash(h),
        parent_block_hash: this.blockHash(h - 1),
        burn_block_time: burnTime,
        burn_block_time_iso: iso(burnTime),
        burn_block_hash: "0x" + sha256(`chain-sim burn block ${this.burnHeightOf(h)}`),
        burn_block_height: this.burnHeightOf(h),
        miner_txid: "0x" + sha256(`chain-sim miner ${h}`),
        parent_microblock_hash: "0x",
        parent_microblock_sequence: -1,
        txs: (this.blockTxs.get(h) ?? []).map((t) => "0x" + t),
        microblocks_accepted: [],
        microblocks_streamed: [],
        execution_cost_read_count: 0,
        execution_cost_read_length: 0,
        execution_cost_runtime: 0,
        execution_cost_write_count: 0,
        execution_cost_write_length: 0,
        microblock_tx_count: {},
      });
    }
    return { limit, offset, total: this.height, results };
  }
}

export { strip0x };
