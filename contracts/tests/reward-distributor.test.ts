import { describe, it, expect, beforeEach } from "vitest";
import { Cl } from "@stacks/transactions";
import {
  ALICE, BOB, CAROL, DAVE, DISTRIBUTOR, DRT, MALLORY, OPERATOR, TREASURY,
  balance, bootstrap, call, eventWith, expectErr, expectOk, expectOkAny, expectPrint, ro, submitReading, supply, verify,
} from "./helpers";

const claim = (id: bigint, user: string) => call("reward-distributor", "claim", [Cl.uint(id)], user);
const slash = (id: bigint, user: string, sender = MALLORY) =>
  call("reward-distributor", "slash", [Cl.uint(id), Cl.principal(user)], sender);
const refund = (id: bigint, user: string, sender = MALLORY) =>
  call("reward-distributor", "refund-stake", [Cl.uint(id), Cl.principal(user)], sender);
const reclaim = (id: bigint, sender = OPERATOR) => call("reward-distributor", "reclaim-pool", [Cl.uint(id)], sender);

const settlement = (s: { outcome: string; stake: bigint; returned: bigint; reward?: bigint; bonus?: bigint; penalty?: bigint; at: number }) => ({
  outcome: Cl.stringAscii(s.outcome),
  stake: Cl.uint(s.stake),
  "stake-returned": Cl.uint(s.returned),
  reward: Cl.uint(s.reward ?? 0n),
  bonus: Cl.uint(s.bonus ?? 0n),
  penalty: Cl.uint(s.penalty ?? 0n),
  "settled-at": Cl.uint(s.at),
});

/** ALICE (2500 Wh) and BOB (1600 Wh) comply, CAROL does not; pool 100 DRT. */
function verifiedEvent(): bigint {
  const id = eventWith([
    { user: ALICE, pct: 20n, stake: 2n * DRT },
    { user: BOB, pct: 20n, stake: 3n * DRT },
    { user: CAROL, pct: 50n, stake: 4n * DRT },
  ]);
  expectOk(submitReading(id, ALICE, 10_000n, 7_500n));
  expectOk(submitReading(id, BOB, 10_000n, 8_400n));
  expectOk(submitReading(id, CAROL, 10_000n, 9_000n));
  return id;
}

describe("reward-distributor", () => {
  beforeEach(() => bootstrap());

  it("pays stake plus a pool share proportional to the verified reduction", () => {
    const id = verifiedEvent();
    const supplyBefore = supply();
    expectErr(claim(id, ALICE), "reward-distributor", "ERR-NOT-VERIFIED");
    expectOk(verify(id, ALICE));
    expectErr(claim(id, ALICE), "reward-distributor", "ERR-NOT-FINALIZED");
    expectOk(verify(id, BOB));
    expectOkAny(verify(id, CAROL));

    const aliceBefore = balance(ALICE);
    const a = claim(id, ALICE);
    const aliceReward = (100n * DRT * 2_500n) / 4_100n; // 60_975_609
    const aEntry = settlement({ outcome: "claimed", stake: 2n * DRT, returned: 2n * DRT, reward: aliceReward, at: simnet.stacksBlockHeight });
    expectOk(a, Cl.tuple(aEntry));
    expectPrint(a, { event: Cl.stringAscii("dr-reward-claimed"), "event-id": Cl.uint(id), user: Cl.principal(ALICE), ...aEntry });
    expect(a.events.find((e) => e.event === "ft_transfer_event")?.data).toMatchObject({
      sender: DISTRIBUTOR, recipient: ALICE, amount: String(2n * DRT + aliceReward),
    });
    expect(balance(ALICE)).toBe(aliceBefore + 2n * DRT + aliceReward);
    expect(ro("reward-distributor", "get-settlement", [Cl.uint(id), Cl.principal(ALICE)])).toBeSome(Cl.tuple(aEntry));
    expectErr(claim(id, ALICE), "reward-distributor", "ERR-ALREADY-SETTLED");
    expectErr(slash(id, ALICE), "reward-distributor", "ERR-ALREADY-SETTLED");

    const bobReward = (100n * DRT * 1_600n) / 4_100n; // 39_024_390
    expectOk(claim(id, BOB), Cl.tuple(settlement({ outcome: "claimed", stake: 3n * DRT, returned: 3n * DRT, reward: bobReward, at: simnet.stacksBlockHeight })));
    expect(aliceReward + bobReward).toBeLessThanOrEqual(100n * DRT);
    expect(ro("reward-distributor", "get-ledger", [Cl.uint(id)])).toStrictEqual(
      Cl.tuple({ "paid-out": Cl.uint(aliceReward + bobReward), "settled-count": Cl.uint(2), reclaimed: Cl.bool(false) }),
    );
    expect(supply()).toBe(supplyBefore); // multiplier 100: nothing minted
  });

  it("slashes non-compliant stakes at the event's penalty rate, to the treasury", () => {
    const id = verifiedEvent();
    expectErr(slash(id, CAROL), "reward-distributor", "ERR-NOT-VERIFIED");
    for (const u of [ALICE, BOB, CAROL]) expectOkAny(verify(id, u));
    expectErr(slash(id, ALICE), "reward-distributor", "ERR-COMPLIANT");
    expectErr(claim(id, CAROL), "reward-distributor", "ERR-NOT-COMPLIANT");
    const carolBefore = balance(CAROL);
    const res = slash(id, CAROL); // anyone may slash
    const entry = settlement({ outcome: "slashed", stake: 4n * DRT, returned: 2n * DRT, penalty: 2n * DRT, at: simnet.stacksBlockHeight });
    expectOk(res, Cl.tuple(entry));
    expectPrint(res, { event: Cl.stringAscii("dr-stake-slashed"), "event-id": Cl.uint(id), user: Cl.principal(CAROL), ...entry });
    expect(balance(CAROL)).toBe(carolBefore + 2n * DRT);
    expect(balance(TREASURY)).toBe(2n * DRT);
    expectErr(slash(id, CAROL), "reward-distributor", "ERR-ALREADY-SETTLED");
    expectErr(claim(id, CAROL), "reward-distributor", "ERR-ALREADY-SETTLED");
  });

  it("refuses non-participants and unknown events", () => {
    const id = verifiedEvent();
    expectErr(claim(id, DAVE), "reward-distributor", "ERR-NOT-COMMITTED");
    expectErr(slash(id, DAVE), "reward-distributor", "ERR-NOT-COMMITTED");
    expectErr(refund(id, DAVE), "reward-distributor", "ERR-NOT-COMMITTED");
    for (const r of [claim(77n, ALICE), slash(77n, ALICE), refund(77n, ALICE), reclaim(77n)]) {
      expectErr(r, "reward-distributor", "ERR-EVENT-NOT-FOUND");
    }
  });

  it("returns the unpaid pool to the operator once every stake is settled", () => {
    const id = verifiedEvent();
    expectErr(reclaim(id, MALLORY), "reward-distributor", "ERR-NOT-EVENT-OPERATOR");
    for (const u of [ALICE, BOB, CAROL]) expectOkAny(verify(id, u));
    expectOkAny(claim(id, ALICE));
    expectOkAny(claim(id, BOB));
    expectErr(reclaim(id), "reward-distributor", "ERR-NOT-ALL-SETTLED");
    expectOkAny(slash(id, CAROL));
    const opBefore = balance(OPERATOR);
    const res = reclaim(id);
    expectOk(res, Cl.uint(1)); // rounding dust: 100 DRT - 60_975_609 - 39_024_390
    expectPrint(res, { event: Cl.stringAscii("dr-pool-reclaimed"), "event-id": Cl.uint(id), operator: Cl.principal(OPERATOR), amount: Cl.uint(1) });
    expect(balance(OPERATOR)).toBe(opBefore + 1n);
    expectErr(reclaim(id), "reward-distributor", "ERR-ALREADY-RECLAIMED");
    expect(balance(DISTRIBUTOR)).toBe(0n);
  });

  it("refuses to reclaim the pool of an event that is still open", () => {
    const open = eventWith([{ user: ALICE, pct: 10n, stake: DRT }], "created");
    expectErr(reclaim(open), "reward-distributor", "ERR-EVENT-NOT-CLOSED");
    const active = eventWith([{ user: ALICE, pct: 10n, stake: DRT }], "active");
    expectErr(reclaim(active), "reward-distributor", "ERR-EVENT-NOT-CLOSED");
    // ended without participants: the whole pool comes back
    const empty = eventWith([]);
    expectOk(reclaim(empty), Cl.uint(100n * DRT));
  });

  it("refunds stakes and the pool of a cancelled event", () => {
    const id = eventWith([{ user: ALICE, pct: 10n, stake: 3n * DRT }, { user: BOB, pct: 10n, stake: DRT }], "created");
    expectErr(refund(id, ALICE), "reward-distributor", "ERR-NOT-CANCELLED");
    expectOk(call("event-manager", "cancel-event", [Cl.uint(id)], OPERATOR));
    const before = balance(ALICE);
    const res = refund(id, ALICE);
    const entry = settlement({ outcome: "refunded", stake: 3n * DRT, returned: 3n * DRT, at: simnet.stacksBlockHeight });
    expectOk(res, Cl.tuple(entry));
    expectPrint(res, { event: Cl.stringAscii("dr-stake-refunded"), "event-id": Cl.uint(id), user: Cl.principal(ALICE), ...entry });
    expect(balance(ALICE)).toBe(before + 3n * DRT);
    expectErr(refund(id, ALICE), "reward-distributor", "ERR-ALREADY-SETTLED");
    // the pool can come back before every stake is refunded
    expectOk(reclaim(id), Cl.uint(100n * DRT));
    expectOkAny(refund(id, BOB));
    expect(balance(DISTRIBUTOR)).toBe(0n);
    expect(ro("reward-distributor", "get-escrow-balance", [])).toBeUint(0);
  });
});
