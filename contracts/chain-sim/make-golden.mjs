#!/usr/bin/env node
// Golden signed contract-call transactions for the Rust side's byte-identity
// tests (fixtures/stacks-tx-golden.json), built with @stacks/transactions
// makeContractCall (the version pinned in package.json) from devnet keys.
//
//   node contracts/chain-sim/make-golden.mjs           # (re)write the fixture
//   node contracts/chain-sim/make-golden.mjs --check   # exit 1 if the file differs
//
// tests/stacks-tx-golden.test.ts regenerates the cases in memory and compares.
//
// Tuples are serialised with their keys in Clarity's canonical (sorted) order,
// as @stacks/transactions and the node do; a signer that writes them in
// insertion order produces other bytes, another txid and a signature the node
// rejects. Signatures are RFC 6979 deterministic, so the output never changes.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Cl, makeContractCall, serializeCV } from "@stacks/transactions";
import { repr } from "./clarity.mjs";
import { devnetAccounts } from "./keys.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTRACTS = resolve(HERE, "..");
export const GOLDEN_FILE = join(CONTRACTS, "fixtures", "stacks-tx-golden.json");

const sha256 = (s) => createHash("sha256").update(s).digest();

export async function buildGolden() {
  const acc = devnetAccounts(join(CONTRACTS, "settings", "Devnet.toml"));
  const deployer = acc.deployer.address;
  const addr = (n) => acc[n].address;
  const reading = (eventId, user, baseline, actual, tag) =>
    Cl.tuple({
      "actual-wh": Cl.uint(actual),
      "baseline-wh": Cl.uint(baseline),
      "data-hash": Cl.buffer(sha256(tag)),
      "event-id": Cl.uint(eventId),
      user: Cl.principal(addr(user)),
    });

  const specs = [
    {
      name: "data-oracle submit-reading (uint, principal, uint, uint, buff 32)",
      sender: "wallet_2",
      nonce: 0,
      fee: 1000,
      mode: "deny",
      contract: "data-oracle",
      fn: "submit-reading",
      args: [Cl.uint(1), Cl.principal(addr("wallet_3")), Cl.uint(20000), Cl.uint(15000), Cl.buffer(sha256("readings-1-alice"))],
    },
    {
      name: "data-oracle submit-readings-batch, list of 3 tuples (tuple keys in canonical sorted order: actual-wh, baseline-wh, data-hash, event-id, user)",
      sender: "wallet_2",
      nonce: 1,
      fee: 3000,
      mode: "deny",
      contract: "data-oracle",
      fn: "submit-readings-batch",
      args: [
        Cl.list([
          reading(1, "wallet_4", 10000, 9000, "readings-1-bob"),
          reading(1, "wallet_5", 10000, 9000, "readings-1-carol"),
          reading(1, "wallet_6", 12000, 10000, "readings-1-dave"),
        ]),
      ],
    },
    {
      name: "event-manager create-event (5 uints)",
      sender: "wallet_1",
      nonce: 0,
      fee: 1000,
      mode: "deny",
      contract: "event-manager",
      fn: "create-event",
      args: [Cl.uint(1767261600), Cl.uint(3600), Cl.uint(500), Cl.uint(2), Cl.uint(100000000)],
    },
    {
      name: "governance-dao propose-parameter-change (string-ascii, uint)",
      sender: "wallet_8",
      nonce: 0,
      fee: 1000,
      mode: "deny",
      contract: "governance-dao",
      fn: "propose-parameter-change",
      args: [Cl.stringAscii("penalty-rate"), Cl.uint(80)],
    },
    {
      name: "reward-token transfer to a contract principal with a (some buff) memo, post-condition mode allow",
      sender: "wallet_3",
      nonce: 5,
      fee: 1234567,
      mode: "allow",
      contract: "reward-token",
      fn: "transfer",
      args: [Cl.uint(5000000), Cl.principal(addr("wallet_3")), Cl.contractPrincipal(deployer, "reward-distributor"), Cl.some(Cl.bufferFromHex("6472"))],
    },
  ];

  // Post-condition mode 3, "originator" (epoch 3.4), kept apart under
  // `originator_cases`: older readers of `cases` know only allow and deny.
  const originatorSpecs = [
    {
      name: "data-oracle submit-reading, post-condition mode originator (0x03)",
      sender: "wallet_2",
      nonce: 7,
      fee: 1200,
      mode: "originator",
      contract: "data-oracle",
      fn: "submit-reading",
      args: [Cl.uint(2), Cl.principal(addr("wallet_4")), Cl.uint(30000), Cl.uint(21000), Cl.buffer(sha256("readings-2-bob"))],
    },
    {
      name: "event-manager create-event, post-condition mode originator (0x03), large nonce and fee",
      sender: "wallet_1",
      nonce: 4294967297,
      fee: 123456789,
      mode: "originator",
      contract: "event-manager",
      fn: "create-event",
      args: [Cl.uint(1767261600), Cl.uint(3600), Cl.uint(500), Cl.uint(2), Cl.uint(100000000)],
    },
  ];

  const build = async (list) => {
  const cases = [];
  for (const s of list) {
    const tx = await makeContractCall({
      contractAddress: deployer,
      contractName: s.contract,
      functionName: s.fn,
      functionArgs: s.args,
      senderKey: acc[s.sender].private_key,
      network: "testnet",
      nonce: BigInt(s.nonce),
      fee: BigInt(s.fee),
      postConditionMode: s.mode,
      postConditions: [],
    });
    cases.push({
      name: s.name,
      network: "testnet",
      sender_key: acc[s.sender].private_key,
      sender_address: acc[s.sender].address,
      nonce: s.nonce,
      fee: s.fee,
      anchor_mode: "any",
      post_condition_mode: s.mode,
      contract_address: deployer,
      contract_name: s.contract,
      function_name: s.fn,
      args_hex: s.args.map((a) => "0x" + serializeCV(a)),
      args_repr: s.args.map(repr),
      tx_hex: "0x" + tx.serialize(),
      txid: "0x" + tx.txid(),
    });
  }
  return cases;
  };
  return { cases: await build(specs), originator_cases: await build(originatorSpecs) };
}

export const goldenText = async () => JSON.stringify(await buildGolden(), null, 2) + "\n";

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await goldenText();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(GOLDEN_FILE, "utf8");
    } catch {}
    if (current !== text) {
      process.stderr.write(`${GOLDEN_FILE} is out of date: run node contracts/chain-sim/make-golden.mjs\n`);
      process.exit(1);
    }
    process.stdout.write(`${GOLDEN_FILE} is up to date\n`);
  } else {
    writeFileSync(GOLDEN_FILE, text);
    process.stdout.write(`wrote ${GOLDEN_FILE}\n`);
  }
}
