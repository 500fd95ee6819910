// fixtures/stacks-tx-golden.json: signed contract calls the Rust side must
// reproduce byte for byte. Regenerated in memory with the pinned
// @stacks/transactions and compared with the committed file.
//
//   node chain-sim/make-golden.mjs     # rewrite the fixture after a deliberate change
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import {
  deserializeTransaction, getAddressFromPrivateKey, hexToCV, txidFromBytes, serializeCV,
} from "@stacks/transactions";
// @ts-ignore: plain ESM module without type declarations
import { buildGolden, GOLDEN_FILE } from "../chain-sim/make-golden.mjs";

describe("stacks-tx-golden.json", () => {
  it("matches what @stacks/transactions signs today", async () => {
    const fresh = await buildGolden();
    const onDisk = JSON.parse(readFileSync(GOLDEN_FILE, "utf8"));
    expect(onDisk).toStrictEqual(fresh);
    expect(readFileSync(GOLDEN_FILE, "utf8")).toBe(JSON.stringify(fresh, null, 2) + "\n");
  });

  it("every case is self-consistent: key -> address, args -> tx bytes, bytes -> txid, valid signature", () => {
    const { cases, originator_cases } = JSON.parse(readFileSync(GOLDEN_FILE, "utf8"));
    expect(cases.length).toBeGreaterThanOrEqual(4);
    expect(originator_cases.length).toBeGreaterThanOrEqual(2);
    const names = new Set<string>();
    for (const c of [...cases, ...originator_cases]) {
      names.add(`${c.contract_name}.${c.function_name}`);
      expect(c.sender_key).toMatch(/^[0-9a-f]{64}01$/);
      expect(getAddressFromPrivateKey(c.sender_key, "testnet")).toBe(c.sender_address);
      const raw = Buffer.from(c.tx_hex.slice(2), "hex");
      expect("0x" + txidFromBytes(raw)).toBe(c.txid);
      const tx = deserializeTransaction(c.tx_hex.slice(2));
      tx.verifyOrigin(); // throws on a bad signature
      expect(tx.transactionVersion).toBe(0x80);
      expect(tx.chainId).toBe(0x80000000);
      expect(Number(tx.auth.spendingCondition.nonce)).toBe(c.nonce);
      expect(Number(tx.auth.spendingCondition.fee)).toBe(c.fee);
      expect(tx.postConditionMode).toBe({ allow: 1, deny: 2, originator: 3 }[c.post_condition_mode as string]);
      expect(raw[110]).toBe(tx.postConditionMode); // the mode byte, where the Rust encoder writes it
      expect(tx.postConditions.values).toHaveLength(0);
      const p = tx.payload as any;
      expect(p.contractName.content).toBe(c.contract_name);
      expect(p.functionName.content).toBe(c.function_name);
      expect(p.functionArgs.map((a: any) => "0x" + serializeCV(a))).toStrictEqual(c.args_hex);
      // the tx bytes carry each argument exactly as args_hex has it
      for (const a of c.args_hex) expect(c.tx_hex).toContain(a.slice(2));
      for (const a of c.args_hex) expect("0x" + serializeCV(hexToCV(a))).toBe(a); // canonical encoding
    }
    expect(names).toContain("data-oracle.submit-reading");
    expect(names).toContain("data-oracle.submit-readings-batch");
    expect(names).toContain("event-manager.create-event");
    expect(cases.some((c: any) => c.post_condition_mode === "allow")).toBe(true);
    expect(cases.some((c: any) => c.post_condition_mode === "deny")).toBe(true);
    // mode 3 (epoch 3.4) only under originator_cases: tests/golden_tx.rs reads `cases`,
    // chain/src/tx.rs's originator test reads `originator_cases`
    expect(cases.every((c: any) => c.post_condition_mode !== "originator")).toBe(true);
    expect(originator_cases.every((c: any) => c.post_condition_mode === "originator")).toBe(true);
  });

  it("tuple keys are in canonical (sorted) order in the batch case", () => {
    const { cases } = JSON.parse(readFileSync(GOLDEN_FILE, "utf8"));
    const batch = cases.find((c: any) => c.function_name === "submit-readings-batch");
    const hex: string = batch.args_hex[0];
    const keys = ["actual-wh", "baseline-wh", "data-hash", "event-id", "user"].map((k) => Buffer.from(k).toString("hex"));
    let at = 0;
    for (const k of keys) {
      const i = hex.indexOf(k, at);
      expect(i).toBeGreaterThan(at);
      at = i;
    }
  });
});
