// Issue 16, item 3: no settlement arithmetic can overflow or lock funds, and
// every path that leaves funds in escrow has a way out that does not depend on
// the operator or the participant showing up.
//
// Each test here fails on the contracts before the fix: readings were not
// bounded (a huge one made verification or claim abort forever), shares and
// penalties formed products above 2^128, only the operator could end or
// cancel an event, only the participant could claim, and a revoked minter
// right made every bonus claim abort.
import { describe, it, expect, beforeEach } from "vitest";
import { Cl, ClarityType } from "@stacks/transactions";
import {
  ALICE, BOB, CAROL, DAVE, DEPLOYER, DISTRIBUTOR, DRT, FUTURE_START, GRACE_PERIOD, MALLORY, MAX_REWARD_POOL, MAX_WH,
  OPERATOR, ORACLE, TREASURY, VERIFICATION_WINDOW, VOTER,
  balance, bootstrap, call, chainTime, commit, createEvent, dataHash, endEvent, eventWith, expectErr, expectOk,
  expectOkAny, expectPrint, mint, readingEntry, registerWithDevice, ro, startEvent, submitReading, verify,
} from "./helpers";

const U128_MAX = 2n ** 128n - 1n;
const claim = (id: bigint, user: string) => call("reward-distributor", "claim", [Cl.uint(id)], user);
const claimFor = (id: bigint, user: string, sender = MALLORY) =>
  call("reward-distributor", "claim-for", [Cl.uint(id), Cl.principal(user)], sender);
const slash = (id: bigint, user: string, sender = MALLORY) =>
  call("reward-distributor", "slash", [Cl.uint(id), Cl.principal(user)], sender);
const refund = (id: bigint, user: string, sender = MALLORY) =>
  call("reward-distributor", "refund-stake", [Cl.uint(id), Cl.principal(user)], sender);
const reclaim = (id: bigint, sender = OPERATOR) => call("reward-distributor", "reclaim-pool", [Cl.uint(id)], sender);
const lifecycle = (fn: string, id: bigint, sender: string) => call("event-manager", fn, [Cl.uint(id)], sender);
const okUint = (res: { result: any }) => {
  expect(res.result.type).toBe(ClarityType.ResponseOk);
  return res.result.value;
};
const tupleField = (res: { result: any }, key: string) => BigInt(okUint(res).value[key].value);

/** Mines until the chain time is past `start + duration + GRACE_PERIOD`. */
function mineUntilPastGrace(start: bigint, duration: bigint) {
  while (chainTime() < start + duration + GRACE_PERIOD) simnet.mineEmptyBlocks(10);
}

function governMultiplier(value: bigint) {
  mint(VOTER, 1_000n * DRT);
  const p = call("governance-dao", "propose-parameter-change", [Cl.stringAscii("reward-multiplier"), Cl.uint(value)], VOTER);
  const pid = okUint(p);
  expectOk(call("governance-dao", "vote", [pid, Cl.bool(true)], VOTER));
  simnet.mineEmptyBlocks(144);
  expectOk(call("governance-dao", "execute", [pid], MALLORY));
}

describe("settlement safety (issue 16 item 3)", () => {
  beforeEach(() => bootstrap());

  it("refuses readings above MAX-WH (u509) and the event still finalises and settles", () => {
    expect(ro("data-oracle", "get-max-wh", [])).toBeUint(MAX_WH);
    const id = eventWith([
      { user: ALICE, pct: 10n, stake: 2n * DRT },
      { user: BOB, pct: 10n, stake: 3n * DRT },
    ]);
    // 2^127 Wh: before the fix the reading was stored and then verification
    // (reduction * 100) aborted on every attempt: the event never finalised.
    expectErr(submitReading(id, ALICE, 2n ** 127n, 0n), "data-oracle", "ERR-READING-TOO-LARGE");
    expectErr(submitReading(id, ALICE, 1_000n, U128_MAX), "data-oracle", "ERR-READING-TOO-LARGE");
    expectErr(submitReading(id, ALICE, MAX_WH + 1n, 0n), "data-oracle", "ERR-READING-TOO-LARGE");
    // a batch with one oversized entry is refused as a whole
    const batch = call("data-oracle", "submit-readings-batch",
      [Cl.list([readingEntry(id, BOB, MAX_WH, 0n), readingEntry(id, ALICE, 10n ** 31n, 0n)])], ORACLE);
    expectErr(batch, "data-oracle", "ERR-READING-TOO-LARGE");
    expect(ro("data-oracle", "get-reading", [Cl.uint(id), Cl.principal(BOB)])).toBeNone();
    // the largest accepted reading settles: BOB saves all of MAX-WH
    expectOk(submitReading(id, BOB, MAX_WH, 0n));
    expectErr(verify(id, ALICE), "verification-engine", "ERR-NO-READING");
    expectOk(verify(id, BOB));
    simnet.mineEmptyBlocks(VERIFICATION_WINDOW);
    expectOk(verify(id, ALICE), Cl.bool(false)); // no reading: zero reduction
    expect(ro("verification-engine", "is-event-finalized", [Cl.uint(id)])).toBeBool(true);
    const before = balance(BOB);
    expect(tupleField(claim(id, BOB), "reward")).toBe(100n * DRT); // the whole pool
    expect(balance(BOB)).toBe(before + 3n * DRT + 100n * DRT);
    expectOkAny(slash(id, ALICE));
    expectOk(reclaim(id), Cl.uint(0));
    expect(balance(DISTRIBUTOR)).toBe(0n);
  });

  it("computes shares, bonuses and penalties at the bounds without overflow", () => {
    governMultiplier(500n); // bonus = 4 x reward
    // the largest pool an event accepts, and a stake of 2^127 base units
    mint(OPERATOR, MAX_REWARD_POOL);
    mint(CAROL, 2n ** 127n);
    const id = eventWith([
      { user: ALICE, pct: 10n, stake: DRT },
      { user: BOB, pct: 10n, stake: DRT },
      { user: CAROL, pct: 50n, stake: 2n ** 127n },
    ], "ended", { pool: MAX_REWARD_POOL });
    expectOk(submitReading(id, ALICE, MAX_WH, 0n));
    expectOk(submitReading(id, BOB, MAX_WH, MAX_WH / 3n));
    expectOk(submitReading(id, CAROL, MAX_WH, MAX_WH));
    for (const u of [ALICE, BOB]) expectOk(verify(id, u));
    expectOk(verify(id, CAROL), Cl.bool(false));
    const total = MAX_WH + (MAX_WH - MAX_WH / 3n);
    // before the fix: pool * reduction-wh = 10^39 > 2^128, claim aborted
    const a = claim(id, ALICE);
    const aliceReward = (MAX_REWARD_POOL * MAX_WH) / total;
    expect(tupleField(a, "reward")).toBe(aliceReward);
    expect(tupleField(a, "bonus")).toBe(aliceReward * 4n);
    const b = claim(id, BOB);
    const bobReward = (MAX_REWARD_POOL * (MAX_WH - MAX_WH / 3n)) / total;
    expect(tupleField(b, "reward")).toBe(bobReward);
    // before the fix: stake * penalty-rate = 2^127 * 50 > 2^128, slash aborted
    const treasuryBefore = balance(TREASURY);
    const c = slash(id, CAROL);
    expect(tupleField(c, "penalty")).toBe((2n ** 127n * 50n) / 100n);
    expect(balance(TREASURY)).toBe(treasuryBefore + 2n ** 126n);
    expectOk(reclaim(id), Cl.uint(MAX_REWARD_POOL - aliceReward - bobReward));
    expect(balance(DISTRIBUTOR)).toBe(0n);
  });

  it("pays no bonus, rather than locking the claim, when the distributor may not mint", () => {
    governMultiplier(200n);
    const id = eventWith([{ user: ALICE, pct: 10n, stake: 2n * DRT }]);
    expectOk(submitReading(id, ALICE, 10_000n, 5_000n));
    expectOk(verify(id, ALICE));
    // the owner revokes the distributor's minter right: before the fix every
    // claim of a multiplier event aborted with u202 and its stake stayed locked
    expectOk(call("reward-token", "set-minter", [Cl.principal(DISTRIBUTOR), Cl.bool(false)], DEPLOYER));
    const a = claim(id, ALICE);
    expect(tupleField(a, "reward")).toBe(100n * DRT);
    expect(tupleField(a, "bonus")).toBe(0n);
    expect(a.events.some((e: any) => e.event === "ft_mint_event")).toBe(false);
    expectOk(reclaim(id), Cl.uint(0));
    expect(balance(DISTRIBUTOR)).toBe(0n);
  });

  it("lets anyone end an abandoned active event after its grace period, and settle it", () => {
    const start = chainTime() + 600n;
    const duration = 3_600n;
    const id = eventWith([
      { user: ALICE, pct: 10n, stake: 2n * DRT },
      { user: BOB, pct: 10n, stake: 3n * DRT },
    ], "active", { start, duration });
    // before the end plus the grace, only the operator may end it
    expectErr(lifecycle("end-event", id, MALLORY), "event-manager", "ERR-NOT-EVENT-OPERATOR");
    expect(ro("event-manager", "is-past-grace", [Cl.uint(id)])).toBeBool(false);
    mineUntilPastGrace(start, duration);
    expect(ro("event-manager", "is-past-grace", [Cl.uint(id)])).toBeBool(true);
    // the operator is gone: MALLORY ends it (before the fix: u303 forever)
    expectErr(lifecycle("start-event", id, MALLORY), "event-manager", "ERR-NOT-EVENT-OPERATOR");
    const ended = lifecycle("end-event", id, MALLORY);
    expectOk(ended);
    expect((prints(ended)[0].value as any).value.event.value).toBe("dr-event-ended");
    expect((prints(ended)[0].value as any).value.operator.value).toBe(OPERATOR);
    // nobody submits readings: after the window anyone verifies and settles
    expectOk(submitReading(id, BOB, 10_000n, 8_000n));
    simnet.mineEmptyBlocks(VERIFICATION_WINDOW);
    expectOk(verify(id, ALICE, MALLORY), Cl.bool(false));
    expectOk(verify(id, BOB, MALLORY), Cl.bool(true));
    expectOkAny(slash(id, ALICE));
    // BOB never claims: anyone may claim on his behalf, paying him
    const bobBefore = balance(BOB);
    const mallBefore = balance(MALLORY);
    const c = claimFor(id, BOB);
    expect(tupleField(c, "reward")).toBe(100n * DRT);
    expect(balance(BOB)).toBe(bobBefore + 3n * DRT + 100n * DRT);
    expect(balance(MALLORY)).toBe(mallBefore);
    expectErr(claimFor(id, BOB), "reward-distributor", "ERR-ALREADY-SETTLED");
    expectErr(claim(id, BOB), "reward-distributor", "ERR-ALREADY-SETTLED");
    expectErr(claimFor(id, ALICE), "reward-distributor", "ERR-ALREADY-SETTLED");
    expectOk(reclaim(id), Cl.uint(0));
    expect(balance(DISTRIBUTOR)).toBe(0n);
  });

  it("lets anyone cancel an abandoned created event after its grace, and refund it", () => {
    const start = chainTime() + 600n;
    const id = eventWith([{ user: ALICE, pct: 10n, stake: 2n * DRT }], "created", { start, duration: 60n });
    expectErr(lifecycle("cancel-event", id, MALLORY), "event-manager", "ERR-NOT-EVENT-OPERATOR");
    mineUntilPastGrace(start, 60n);
    expectOk(lifecycle("cancel-event", id, MALLORY));
    expectOkAny(refund(id, ALICE));
    expectOk(reclaim(id), Cl.uint(100n * DRT));
    expect(balance(DISTRIBUTOR)).toBe(0n);
  });

  it("grace arithmetic cannot overflow whatever start is", () => {
    const id = createEvent({ start: U128_MAX, duration: 86_400n });
    expect(ro("event-manager", "is-past-grace", [Cl.uint(id)])).toBeBool(false);
    expectErr(lifecycle("cancel-event", id, MALLORY), "event-manager", "ERR-NOT-EVENT-OPERATOR");
  });

  it("runs the checks in the documented order", () => {
    // commitment: u401 (no device) before u402 (no such event)
    expectOk(call("user-registry", "register-user", [], DAVE));
    expectErr(call("commitment", "commit", [Cl.uint(99), Cl.uint(10), Cl.uint(DRT)], DAVE), "commitment", "ERR-NO-DEVICE");
    expectErr(call("commitment", "commit", [Cl.uint(99), Cl.uint(10), Cl.uint(DRT)], MALLORY), "commitment", "ERR-NOT-REGISTERED");
    // verification-engine: u601 (not ended) before u602 (not committed)
    registerWithDevice(ALICE);
    const id = createEvent();
    commit(ALICE, id, 10n, DRT);
    expectErr(verify(id, BOB), "verification-engine", "ERR-EVENT-NOT-ENDED");
    startEvent(id);
    endEvent(id);
    expectErr(verify(id, BOB), "verification-engine", "ERR-NOT-COMMITTED");
    // data-oracle: u506 (zero baseline) before u509 (too large)
    expectErr(submitReading(id, ALICE, 0n, MAX_WH + 1n), "data-oracle", "ERR-INVALID-BASELINE");
    // reward-distributor claim: u706 before u702
    expectOk(submitReading(id, ALICE, 1_000n, 0n, dataHash("x")));
    expectOk(verify(id, ALICE));
    expectOkAny(claim(id, ALICE));
    expectErr(slash(id, ALICE), "reward-distributor", "ERR-ALREADY-SETTLED");
  });
});

import { prints } from "./helpers";
