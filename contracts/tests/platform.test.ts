// Issue 16, item 4: the contracts target the newest Clarity version and epoch
// that @stacks/clarinet-sdk (3.21) supports, without `at-block` (governance
// reads reward-token's checkpoints) and without `as-contract` (the escrow pays
// with `as-contract?` and a `with-ft` allowance).
import { describe, it, expect, beforeEach } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Cl } from "@stacks/transactions";
import { tx } from "@stacks/clarinet-sdk";
import { ALICE, BOB, CONTRACTS, DEPLOYER, DRT, ROOT, bootstrap, call, expectOk, ro } from "./helpers";

const EPOCH = "4.0";
const CLARITY = "Clarity6";

describe("platform", () => {
  beforeEach(() => bootstrap());

  it(`deploys every contract as ${CLARITY} at epoch ${EPOCH}`, () => {
    expect(simnet.currentEpoch).toBe(EPOCH);
    const interfaces = simnet.getContractsInterfaces();
    for (const c of [...CONTRACTS, "sip-010-trait"]) {
      const i = interfaces.get(`${DEPLOYER}.${c}`);
      expect(i, c).toBeDefined();
      expect(i!.clarity_version, c).toBe(CLARITY);
      expect(String(i!.epoch), c).toMatch(/Epoch4_?0/);
    }
    const toml = readFileSync(join(ROOT, "Clarinet.toml"), "utf8");
    expect(toml).not.toMatch(/clarity_version\s*=\s*[0-5]\b/);
  });

  it("uses neither at-block nor the old as-contract", () => {
    for (const c of [...CONTRACTS, "sip-010-trait"]) {
      const src = readFileSync(join(ROOT, "contracts", `${c}.clar`), "utf8").replace(/;;.*$/gm, "");
      expect(src, c).not.toMatch(/\(at-block\b/);
      expect(src, c).not.toMatch(/\(as-contract\s/);
    }
    const distributor = readFileSync(join(ROOT, "contracts", "reward-distributor.clar"), "utf8");
    expect(distributor).toMatch(/\(as-contract\? \(\(with-ft \.reward-token "drt" amount\)\)/);
  });

  it("keeps one checkpoint per block: several changes in a block leave the last balance", () => {
    const before = simnet.stacksBlockHeight;
    const block = simnet.mineBlock([
      tx.callPublicFn("reward-token", "transfer", [Cl.uint(10n * DRT), Cl.principal(ALICE), Cl.principal(BOB), Cl.none()], ALICE),
      tx.callPublicFn("reward-token", "transfer", [Cl.uint(5n * DRT), Cl.principal(BOB), Cl.principal(ALICE), Cl.none()], BOB),
      tx.callPublicFn("reward-token", "mint", [Cl.uint(DRT), Cl.principal(ALICE)], DEPLOYER),
    ]);
    for (const r of block) expectOk(r);
    const h = simnet.stacksBlockHeight; // the block just mined (as settled-at counts it)
    expect(h).toBeGreaterThan(before);
    expect(ro("reward-token", "get-balance-at", [Cl.principal(ALICE), Cl.uint(h)])).toBeUint(96n * DRT);
    expect(ro("reward-token", "get-balance-at", [Cl.principal(BOB), Cl.uint(h)])).toBeUint(105n * DRT);
    expect(ro("reward-token", "get-balance-at", [Cl.principal(ALICE), Cl.uint(h - 1)])).toBeUint(100n * DRT);
    const supply = (ro("reward-token", "get-total-supply", []) as any).value.value;
    expect(ro("reward-token", "get-supply-at", [Cl.uint(h)])).toBeUint(BigInt(supply));
    expect(ro("reward-token", "get-supply-at", [Cl.uint(h - 1)])).toBeUint(BigInt(supply) - DRT);
    void call;
  });
});
