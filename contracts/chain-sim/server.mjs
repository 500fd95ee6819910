#!/usr/bin/env node
// chain-sim: a local stand-in for the Stacks node RPC and Stacks Blockchain
// API subset the bridge uses, running the project's real contracts in a
// clarinet-sdk simnet. A development and test tool, not a product mode:
// see README.md for the endpoints and what differs from a real node.
//
//   node contracts/chain-sim/server.mjs --port 3999 [--host 127.0.0.1]
//        [--block-time-ms 500] [--state FILE] [--bootstrap] [--quiet]
//
// Prints one JSON line to stdout once listening: {"listening":PORT,"url":...}.
// Logs one line per request (and the simnet's Clarity output unless --quiet) to stderr.
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "node:util";
import { validateStacksAddress } from "@stacks/transactions";
import { BadRequest, Chain, Rejection, ROLES, strip0x } from "./chain.mjs";
import { fromHex, jsonToCV, repr, toHex, toPlain } from "./clarity.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTRACTS = resolve(HERE, "..");
const MAX_BODY = 2 * 1024 * 1024;

// ------------------------------------------------------------------ options

function parseArgs(argv) {
  const o = { port: 3999, host: "127.0.0.1", blockTimeMs: 500, state: undefined, bootstrap: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    const int = (v) => {
      if (!/^\d+$/.test(v)) usage(`${a} takes a whole number`);
      return Number(v);
    };
    if (a === "--port") o.port = int(val());
    else if (a === "--host") o.host = val();
    else if (a === "--block-time-ms") o.blockTimeMs = int(val());
    else if (a === "--state") o.state = resolve(val());
    else if (a === "--bootstrap") o.bootstrap = true;
    else if (a === "--quiet") o.quiet = true;
    else if (a === "--help" || a === "-h") usage();
    else usage(`unknown option ${a}`);
  }
  if (o.port > 65535) usage("--port must be 0..65535");
  return o;
}

function usage(err) {
  const text = `usage: node contracts/chain-sim/server.mjs [--port 3999] [--host 127.0.0.1] [--block-time-ms 500] [--state FILE] [--bootstrap] [--quiet]
  --port 0           pick a free port (the chosen one is printed on stdout)
  --block-time-ms 0  no automatic blocks: mine with POST /sim/mine
  --state FILE       journal of blocks, replayed on start (the chain survives restarts; the mempool does not)
  --bootstrap        on an empty chain: deployer minter, wallet_1 operator, wallet_2 oracle, DRT minted to the wallets
  --quiet            drop the simnet's Clarity output (print events, runtime errors)`;
  if (err) {
    process.stderr.write(`chain-sim: ${err}\n${text}\n`);
    process.exit(2);
  }
  process.stdout.write(text + "\n");
  process.exit(0);
}

const opts = parseArgs(process.argv.slice(2));

// The simnet writes Clarity prints and runtime errors through console.*: keep
// stdout for the "listening" line and send them to stderr (or nowhere).
for (const k of ["log", "info", "warn", "error", "debug"]) {
  console[k] = opts.quiet ? () => {} : (...a) => process.stderr.write(`[clarity] ${format(...a)}\n`);
}
const log = (line) => process.stderr.write(line + "\n");
process.on("uncaughtException", (e) => log(`chain-sim: uncaught ${e?.stack ?? e}`));
process.on("unhandledRejection", (e) => log(`chain-sim: unhandled ${e?.stack ?? e}`));

const chain = await Chain.create({ manifest: join(CONTRACTS, "Clarinet.toml"), devnet: join(CONTRACTS, "settings", "Devnet.toml"), state: opts.state });
if (opts.bootstrap && chain.txs.size === 0) chain.bootstrap();

// ------------------------------------------------------------------ mining

let blockTimeMs = opts.blockTimeMs;
let mineTimer = null;
function scheduleMining() {
  if (mineTimer) clearTimeout(mineTimer);
  mineTimer = null;
  if (blockTimeMs > 0) {
    mineTimer = setTimeout(() => {
      try {
        chain.tick();
      } catch (e) {
        log(`chain-sim: block production failed: ${e?.stack ?? e}`);
      }
      scheduleMining();
    }, blockTimeMs);
  }
}
const journalTimer = setInterval(() => chain.flushJournal(), 1000);

// ------------------------------------------------------------------ faults

const fault = { mode: "ok", until: 0, status: 500, delayMs: 0, timer: null };
function setFault(mode, seconds, body) {
  if (fault.timer) clearTimeout(fault.timer);
  fault.timer = null;
  fault.mode = mode;
  fault.until = mode === "ok" ? 0 : Date.now() + seconds * 1000;
  fault.status = body.status ?? 500;
  fault.delayMs = body.delay_ms ?? 2000;
  if (mode !== "ok") {
    fault.timer = setTimeout(() => {
      log(`chain-sim: fault "${mode}" over`);
      fault.mode = "ok";
      fault.timer = null;
      if (mode === "down") listen();
    }, seconds * 1000);
  }
  if (mode === "down") {
    // the node goes away: refuse connections until the time is up (blocks are still made)
    server.close();
    server.closeAllConnections();
  }
}

// ------------------------------------------------------------------ http helpers

class HttpError extends Error {
  constructor(status, body) {
    super(typeof body === "string" ? body : JSON.stringify(body));
    this.status = status;
    this.body = typeof body === "string" ? { error: body } : body;
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? String(v) : v));
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((ok, fail) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c); // past the limit: drain, then answer 413
    });
    req.on("end", () => (size > MAX_BODY ? fail(new HttpError(413, `body larger than ${MAX_BODY} bytes`)) : ok(Buffer.concat(chunks))));
    req.on("error", fail);
  });
}

async function jsonBody(req, { emptyOk = false } = {}) {
  const buf = await readBody(req);
  if (emptyOk && buf.toString("utf8").trim() === "") return {};
  try {
    const v = JSON.parse(buf.toString("utf8") || "null");
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v;
  } catch (e) {
    throw new HttpError(400, `body must be a JSON object: ${e.message}`);
  }
}

function paging(url, def, max) {
  const get = (k, d) => {
    const v = url.searchParams.get(k);
    if (v === null || v === "") return d;
    if (!/^\d+$/.test(v)) throw new HttpError(400, `\`${k}\` must be a non-negative integer`);
    return Number(v);
  };
  const limit = get("limit", def);
  const offset = get("offset", 0);
  if (limit > max) throw new HttpError(400, `\`limit\` must be equal to or less than ${max}`);
  return { limit, offset };
}

function principalParam(p) {
  const [addr, name] = p.split(".");
  if (!validateStacksAddress(addr) || (name !== undefined && !/^[a-zA-Z]([a-zA-Z0-9]|[-_])*$/.test(name))) throw new HttpError(400, `invalid principal ${p}`);
  return p;
}

const valueJson = (cv) => ({ hex: toHex(cv), repr: repr(cv), json: toPlain(cv) });
const simTxJson = (rec) => ({
  txid: "0x" + rec.txid,
  tx_status: rec.status,
  block_height: rec.blockHeight,
  result: valueJson(rec.result),
  events: rec.events.map((e, i) => chain.eventJson(rec, e, i)),
  ...(rec.vmError ? { vm_error: rec.vmError } : {}),
});

function simArgs(args) {
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new HttpError(400, "args must be an array");
  return args.map((a, i) => {
    try {
      return jsonToCV(a, (s) => chain.resolve(s));
    } catch (e) {
      throw new HttpError(400, `args[${i}]: ${e.message}`);
    }
  });
}

// ------------------------------------------------------------------ routes

async function route(req, res, url) {
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const m = req.method;
  let g;

  // ---- Stacks node RPC (/v2) and Stacks Blockchain API (/extended) subset
  if (m === "GET" && path === "/v2/info") return send(res, 200, chain.infoJson());
  if (m === "GET" && (path === "/extended" || path === "/extended/v1/status")) {
    return send(res, 200, {
      server_version: "chain-sim (clarinet-sdk simnet)",
      status: "ready",
      chain_tip: { block_height: chain.height, block_hash: chain.blockHash(chain.height), index_block_hash: chain.blockHash(chain.height), burn_block_height: chain.burnHeight },
    });
  }
  if (m === "POST" && path === "/v2/transactions") {
    const body = await readBody(req);
    let raw = body;
    if (/application\/json/i.test(req.headers["content-type"] ?? "")) {
      // @stacks/transactions 7 broadcastTransaction posts {"tx": "<hex>"}
      let v;
      try {
        v = JSON.parse(body.toString("utf8"));
      } catch {
        v = null;
      }
      if (!v || typeof v.tx !== "string" || !/^(0x)?([0-9a-fA-F]{2})+$/.test(v.tx)) {
        return send(res, 400, new Rejection("Deserialization", { message: 'JSON body must be {"tx": "<hex>"}' }, "").toJSON());
      }
      raw = Buffer.from(strip0x(v.tx), "hex");
    }
    try {
      const txid = chain.submit(new Uint8Array(raw));
      return send(res, 200, txid); // the node answers the txid as a JSON string, hex without 0x
    } catch (e) {
      if (e instanceof Rejection) return send(res, 400, e.toJSON());
      throw e;
    }
  }
  if (m === "GET" && (g = path.match(/^\/extended\/v1\/tx\/(0x)?([0-9a-fA-F]{64})$/))) {
    const rec = chain.txs.get(g[2].toLowerCase());
    if (!rec) return send(res, 404, { error: `could not find transaction by ID ${"0x" + g[2].toLowerCase()}` });
    return send(res, 200, chain.txJson(rec));
  }
  if (m === "GET" && path.startsWith("/extended/v1/tx/")) throw new HttpError(400, "tx_id must be 32 bytes of hex");
  if (m === "GET" && (g = path.match(/^\/extended\/v1\/contract\/([^/]+)\/events$/))) {
    const id = principalParam(decodeURIComponent(g[1]));
    if (!id.includes(".")) throw new HttpError(400, "contract_id must be ADDRESS.NAME");
    const { limit, offset } = paging(url, 20, 50);
    return send(res, 200, chain.contractEvents(id, limit, offset));
  }
  if (m === "GET" && (g = path.match(/^\/extended\/v1\/address\/([^/]+)\/nonces$/))) {
    return send(res, 200, chain.noncesJson(principalParam(decodeURIComponent(g[1]))));
  }
  if (m === "GET" && (g = path.match(/^\/v2\/accounts\/([^/]+)$/))) {
    const p = principalParam(decodeURIComponent(g[1]));
    return send(res, 200, chain.accountJson(p, url.searchParams.get("proof") !== "0"));
  }
  if (m === "GET" && path === "/extended/v1/block") {
    const { limit, offset } = paging(url, 20, 30);
    return send(res, 200, chain.blocksJson(limit, offset));
  }
  if (m === "GET" && (g = path.match(/^\/v2\/contracts\/interface\/([^/]+)\/([^/]+)$/))) {
    const iface = chain.interfaces.get(`${g[1]}.${g[2]}`);
    if (!iface) return send(res, 404, { error: `no contract ${g[1]}.${g[2]}` });
    return send(res, 200, iface);
  }
  if (m === "POST" && (g = path.match(/^\/v2\/contracts\/call-read\/([^/]+)\/([^/]+)\/([^/]+)$/))) {
    const [addr, name, fn] = g.slice(1).map(decodeURIComponent);
    principalParam(`${addr}.${name}`);
    const body = await jsonBody(req);
    if (typeof body.sender !== "string" || !validateStacksAddress(body.sender.split(".")[0])) throw new HttpError(400, "sender must be a principal");
    if (!Array.isArray(body.arguments)) throw new HttpError(400, "arguments must be an array of hex Clarity values");
    let args;
    try {
      args = body.arguments.map(fromHex);
    } catch (e) {
      throw new HttpError(400, `arguments: ${e.message}`);
    }
    try {
      const result = chain.readOnly(`${addr}.${name}`, fn, args, body.sender);
      return send(res, 200, { okay: true, result: toHex(result) });
    } catch (e) {
      if (e instanceof BadRequest) return send(res, 200, { okay: false, cause: `Unchecked(${e.message})` });
      throw e;
    }
  }

  // ---- development admin endpoints
  if (m === "GET" && path === "/sim/accounts") {
    const accounts = {};
    for (const [name, a] of Object.entries(chain.accounts)) accounts[name] = { ...a, role: ROLES[name] ?? "" };
    return send(res, 200, {
      warning: "Clarinet's public devnet test keys: never use them for anything of value",
      network: "testnet",
      chain_id: 0x80000000,
      deployer: chain.deployer,
      accounts,
    });
  }
  if (m === "POST" && path === "/sim/call") {
    const b = await jsonBody(req);
    const args = simArgs(b.args);
    try {
      return send(res, 200, simTxJson(chain.simCall(b.sender ?? "deployer", b.contract, b.function ?? b.fn, args)));
    } catch (e) {
      if (e instanceof BadRequest) throw new HttpError(400, e.message);
      throw e;
    }
  }
  if (m === "POST" && path === "/sim/read") {
    const b = await jsonBody(req);
    const args = simArgs(b.args);
    try {
      return send(res, 200, { result: valueJson(chain.readOnly(b.contract, b.function ?? b.fn, args, b.sender ?? "deployer")) });
    } catch (e) {
      if (e instanceof BadRequest) throw new HttpError(400, e.message);
      throw e;
    }
  }
  if (m === "POST" && path === "/sim/mine") {
    const b = await jsonBody(req, { emptyOk: true });
    const blocks = b.blocks ?? 1;
    if (!Number.isInteger(blocks) || blocks < 1 || blocks > 100000) throw new HttpError(400, "blocks must be an integer 1..100000");
    const txs = chain.mine(blocks);
    return send(res, 200, { mined_txs: txs, stacks_tip_height: chain.height, burn_block_height: chain.burnHeight });
  }
  if (m === "POST" && path === "/sim/bootstrap") {
    return send(res, 200, { calls: chain.bootstrap().map(simTxJson) });
  }
  if (m === "POST" && path === "/sim/fault") {
    const b = await jsonBody(req);
    const mode = b.mode;
    if (!["ok", "down", "errors", "slow"].includes(mode)) throw new HttpError(400, 'mode must be "ok", "down", "errors" or "slow"');
    const seconds = b.seconds ?? (mode === "ok" ? 0 : 5);
    if (typeof seconds !== "number" || !(seconds >= 0) || seconds > 3600) throw new HttpError(400, "seconds must be a number 0..3600");
    if (mode === "down" && !(seconds > 0)) throw new HttpError(400, '"down" needs seconds > 0: nothing can reach the server to bring it back');
    if (b.status !== undefined && (!Number.isInteger(b.status) || b.status < 400 || b.status > 599)) throw new HttpError(400, "status must be 400..599");
    if (b.delay_ms !== undefined && (!Number.isInteger(b.delay_ms) || b.delay_ms < 0 || b.delay_ms > 600000)) throw new HttpError(400, "delay_ms must be 0..600000");
    send(res, 200, { mode, seconds });
    // after the answer is out, so that "down" does not cut this very response
    setImmediate(() => setFault(mode, seconds, b));
    return;
  }
  if (m === "POST" && path === "/sim/config") {
    const b = await jsonBody(req);
    if (b.block_time_ms !== undefined) {
      if (!Number.isInteger(b.block_time_ms) || b.block_time_ms < 0) throw new HttpError(400, "block_time_ms must be a whole number (0: mine only on /sim/mine)");
      blockTimeMs = b.block_time_ms;
      scheduleMining();
    }
    return send(res, 200, { block_time_ms: blockTimeMs });
  }
  if (m === "GET" && path === "/sim/state") {
    return send(res, 200, {
      stacks_tip_height: chain.height,
      burn_block_height: chain.burnHeight,
      block_time_ms: blockTimeMs,
      fault: { mode: fault.mode, until: fault.until ? new Date(fault.until).toISOString() : null },
      state_file: opts.state ?? null,
      mempool: chain.mempool.map((r) => chain.txJson(r)),
    });
  }
  throw new HttpError(404, `no route ${m} ${path}`);
}

// ------------------------------------------------------------------ server

const server = createServer(async (req, res) => {
  const t0 = Date.now();
  res.on("finish", () => log(`${new Date().toISOString()} ${req.method} ${req.url} ${res.statusCode} ${Date.now() - t0}ms`));
  res.on("error", () => {});
  try {
    const url = new URL(req.url ?? "/", "http://chain-sim");
    if (!url.pathname.startsWith("/sim/") && fault.mode === "errors") {
      await readBody(req).catch(() => {});
      return send(res, fault.status, { error: `chain-sim fault injection: answering ${fault.status} until ${new Date(fault.until).toISOString()}` });
    }
    if (!url.pathname.startsWith("/sim/") && fault.mode === "slow") await new Promise((r) => setTimeout(r, fault.delayMs));
    await route(req, res, url);
  } catch (e) {
    if (res.headersSent) return res.destroy();
    if (e instanceof HttpError) return send(res, e.status, e.body);
    if (e instanceof URIError) return send(res, 400, { error: `bad URL encoding: ${req.url}` });
    log(`chain-sim: error on ${req.method} ${req.url}: ${e?.stack ?? e}`);
    send(res, 500, { error: `internal error: ${String(e?.message ?? e)}` });
  }
});
server.keepAliveTimeout = 5000;
server.on("clientError", (_e, socket) => {
  if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
});

let port = opts.port;
let announced = false;
function listen(attempt = 0) {
  server.once("error", (e) => {
    if (announced && e.code === "EADDRINUSE" && attempt < 50) {
      setTimeout(() => listen(attempt + 1), 200);
      return;
    }
    log(`chain-sim: cannot listen on ${opts.host}:${port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, opts.host, () => {
    server.removeAllListeners("error");
    server.on("error", (e) => log(`chain-sim: server error: ${e.message}`));
    port = server.address().port;
    if (!announced) {
      announced = true;
      process.stdout.write(JSON.stringify({ listening: port, url: `http://${opts.host}:${port}`, stacks_tip_height: chain.height }) + "\n");
      log(`chain-sim: listening on http://${opts.host}:${port} (block time ${blockTimeMs} ms, tip ${chain.height}${opts.state ? `, state ${opts.state}` : ""})`);
    } else {
      log(`chain-sim: listening again on ${opts.host}:${port}`);
    }
  });
}
listen();
scheduleMining();

function shutdown(sig) {
  log(`chain-sim: ${sig}, stopping`);
  clearInterval(journalTimer);
  if (mineTimer) clearTimeout(mineTimer);
  try {
    chain.flushJournal();
  } catch (e) {
    log(`chain-sim: could not write the journal: ${e.message}`);
  }
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
