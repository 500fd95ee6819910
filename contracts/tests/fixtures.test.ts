// Print-event fixtures shared with the Rust decoder tests.
//
// A fixed scenario emits every print event of the program; each payload is
// recorded with its consensus-serialised hex (the bytes of the Stacks API's
// `contract_log.value.hex`), its Clarity repr and its plain-JSON fields.
//
//   FIXTURES_WRITE=1 npx vitest run tests/fixtures.test.ts   # regenerate
//   npx vitest run                                           # check the file still matches
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Cl, ClarityType, cvToString } from "@stacks/transactions";
import {
  ALICE, BOB, CAROL, DEPLOYER, DRT, MALLORY, OPERATOR, ORACLE, ROOT, VOTER,
  call, dataHash, deviceHash, eventArgs, expectOkAny, prints, readingEntry, toPlain,
} from "./helpers";

const FIXTURE = join(ROOT, "fixtures", "print-events.json");

type Fixture = { contract: string; event: string; hex: string; repr: string; fields: Record<string, unknown> };

function scenario(): Fixture[] {
  const out: Fixture[] = [];
  const run = (contract: string, fn: string, args: any[], sender: string) => {
    const res = call(contract, fn, args, sender);
    expectOkAny(res);
    for (const p of prints(res)) {
      if (p.value.type !== ClarityType.Tuple) continue; // SIP-010 memos
      const fields = toPlain(p.value) as Record<string, unknown>;
      out.push({ contract: p.contract, event: String(fields.event), hex: p.hex, repr: p.repr, fields });
    }
    return res;
  };
  const id = (n: number) => Cl.uint(n);
  const u = (p: string) => Cl.principal(p);

  // owner setup
  run("reward-token", "set-minter", [u(DEPLOYER), Cl.bool(true)], DEPLOYER);
  run("event-manager", "add-operator", [u(OPERATOR)], DEPLOYER);
  run("data-oracle", "add-oracle", [u(ORACLE)], DEPLOYER);
  run("reward-token", "mint", [Cl.uint(1_000n * DRT), u(OPERATOR)], DEPLOYER);
  for (const p of [ALICE, BOB, CAROL]) run("reward-token", "mint", [Cl.uint(100n * DRT), u(p)], DEPLOYER);
  run("reward-token", "mint", [Cl.uint(1_000n * DRT), u(VOTER)], DEPLOYER);

  // registry
  for (const p of [ALICE, BOB, CAROL]) {
    run("user-registry", "register-user", [], p);
    run("user-registry", "link-device", [Cl.buffer(deviceHash(`ven-${p}`))], p);
  }
  run("user-registry", "link-device", [Cl.buffer(deviceHash("ven-spare"))], ALICE);
  run("user-registry", "unlink-device", [Cl.buffer(deviceHash("ven-spare"))], ALICE);

  // event 1: full life cycle
  run("event-manager", "create-event", eventArgs({ pool: 90n * DRT, targetKw: 250n, level: 2n }), OPERATOR);
  run("commitment", "commit", [id(1), Cl.uint(20), Cl.uint(5n * DRT)], ALICE);
  run("commitment", "commit", [id(1), Cl.uint(10), Cl.uint(5n * DRT)], BOB);
  run("commitment", "commit", [id(1), Cl.uint(40), Cl.uint(5n * DRT)], CAROL);
  run("event-manager", "start-event", [id(1)], OPERATOR);
  run("event-manager", "end-event", [id(1)], OPERATOR);
  run("data-oracle", "submit-reading", [id(1), u(ALICE), Cl.uint(20_000), Cl.uint(15_000), Cl.buffer(dataHash("readings-1-alice"))], ORACLE);
  run("data-oracle", "submit-readings-batch", [Cl.list([
    readingEntry(1n, BOB, 8_000n, 7_000n, dataHash("readings-1-bob")),
    readingEntry(1n, CAROL, 9_000n, 8_800n, dataHash("readings-1-carol")),
  ])], ORACLE);
  for (const p of [ALICE, BOB, CAROL]) run("verification-engine", "verify-participant", [id(1), u(p)], MALLORY);
  run("reward-distributor", "claim", [id(1)], ALICE);
  run("reward-distributor", "claim", [id(1)], BOB);
  run("reward-distributor", "slash", [id(1), u(CAROL)], MALLORY);
  run("reward-distributor", "reclaim-pool", [id(1)], OPERATOR);

  // event 2: cancelled
  run("event-manager", "create-event", eventArgs({ start: 1_767_348_000n, duration: 1_800n, pool: 10n * DRT, level: 1n }), OPERATOR);
  run("commitment", "commit", [id(2), Cl.uint(15), Cl.uint(2n * DRT)], BOB);
  run("event-manager", "cancel-event", [id(2)], OPERATOR);
  run("reward-distributor", "refund-stake", [id(2), u(BOB)], MALLORY);
  run("reward-distributor", "reclaim-pool", [id(2)], OPERATOR);

  // governance
  run("governance-dao", "propose-parameter-change", [Cl.stringAscii("reward-multiplier"), Cl.uint(150)], VOTER);
  run("governance-dao", "propose-operator", [u(ALICE), Cl.bool(true)], VOTER);
  run("governance-dao", "vote", [id(1), Cl.bool(true)], VOTER);
  run("governance-dao", "vote", [id(1), Cl.bool(false)], ALICE);
  run("governance-dao", "vote", [id(2), Cl.bool(true)], VOTER);
  simnet.mineEmptyBlocks(144);
  run("governance-dao", "execute", [id(1)], MALLORY);
  run("governance-dao", "execute", [id(2)], MALLORY);

  // event 3: the reward multiplier bonus
  run("event-manager", "create-event", eventArgs({ start: 1_767_434_400n, duration: 900n, pool: 20n * DRT, level: 3n, targetKw: 60n }), OPERATOR);
  run("commitment", "commit", [id(3), Cl.uint(25), Cl.uint(3n * DRT)], ALICE);
  run("event-manager", "start-event", [id(3)], OPERATOR);
  run("event-manager", "end-event", [id(3)], OPERATOR);
  run("data-oracle", "submit-readings-batch", [Cl.list([readingEntry(3n, ALICE, 4_000n, 2_800n, dataHash("readings-3-alice"))])], ORACLE);
  run("verification-engine", "verify-participant", [id(3), u(ALICE)], ALICE);
  run("reward-distributor", "claim", [id(3)], ALICE);

  // ownership hand-over
  run("event-manager", "set-contract-owner", [u(VOTER)], DEPLOYER);
  run("data-oracle", "remove-oracle", [u(ORACLE)], DEPLOYER);
  run("event-manager", "remove-operator", [u(OPERATOR)], VOTER);
  return out;
}

describe("print-event fixtures", () => {
  it("cover every print event of the program and match fixtures/print-events.json", () => {
    const fixtures = scenario();

    // every entry's hex decodes to its value
    for (const f of fixtures) {
      expect(cvToString(Cl.deserialize(f.hex.slice(2)))).toBe(f.repr);
      expect(f.hex.startsWith("0x0c")).toBe(true);
    }
    const names = new Set(fixtures.map((f) => f.event));
    for (const e of [
      "dr-user-registered", "dr-device-linked", "dr-device-unlinked",
      "dr-token-minted", "dr-minter-set",
      "dr-event-created", "dr-event-started", "dr-event-ended", "dr-event-cancelled", "dr-operator-set", "dr-owner-changed",
      "dr-commitment", "dr-reading", "dr-oracle-set", "dr-verification",
      "dr-reward-claimed", "dr-stake-slashed", "dr-stake-refunded", "dr-pool-reclaimed",
      "dr-proposal-created", "dr-vote-cast", "dr-proposal-executed",
    ]) {
      expect(names, e).toContain(e);
    }

    const text = JSON.stringify(fixtures, null, 2) + "\n";
    if (process.env.FIXTURES_WRITE === "1") {
      writeFileSync(FIXTURE, text);
      return;
    }
    expect(existsSync(FIXTURE), "fixtures/print-events.json is missing: run with FIXTURES_WRITE=1").toBe(true);
    const committed = JSON.parse(readFileSync(FIXTURE, "utf8"));
    expect(fixtures).toStrictEqual(committed);
  });
});
