import { describe, it, expect, beforeEach } from "vitest";
import { Cl } from "@stacks/transactions";
import {
  ALICE, BOB, CAROL, DRT, MALLORY,
  bootstrap, eventWith, expectErr, expectOk, expectPrint, ro, submitReading, verify,
} from "./helpers";

const result = (r: {
  hasReading?: boolean; baseline: bigint; actual: bigint; reduction: bigint; achieved: bigint;
  committed: bigint; threshold?: bigint; compliant: boolean; score: bigint; at: number;
}) => ({
  "has-reading": Cl.bool(r.hasReading ?? true),
  "baseline-wh": Cl.uint(r.baseline),
  "actual-wh": Cl.uint(r.actual),
  "reduction-wh": Cl.uint(r.reduction),
  "achieved-pct": Cl.uint(r.achieved),
  "committed-pct": Cl.uint(r.committed),
  "verification-threshold": Cl.uint(r.threshold ?? 80n),
  compliant: Cl.bool(r.compliant),
  score: Cl.uint(r.score),
  "verified-at": Cl.uint(r.at),
});

describe("verification-engine", () => {
  beforeEach(() => bootstrap());

  it("computes the achieved reduction, compliance and score, once per pair", () => {
    const id = eventWith([
      { user: ALICE, pct: 20n, stake: DRT },
      { user: BOB, pct: 20n, stake: DRT },
      { user: CAROL, pct: 50n, stake: DRT },
    ]);
    expectOk(submitReading(id, ALICE, 10_000n, 7_500n)); // 25% >= 20% * 80%: compliant
    expectOk(submitReading(id, BOB, 10_000n, 8_400n)); // exactly 16% = 20% * 80%: compliant
    expectOk(submitReading(id, CAROL, 10_000n, 9_000n)); // 10% < 50% * 80%: not compliant

    const a = verify(id, ALICE, MALLORY); // anyone may verify
    expectOk(a, Cl.bool(true));
    const aRes = result({ baseline: 10_000n, actual: 7_500n, reduction: 2_500n, achieved: 25n, committed: 20n, compliant: true, score: 100n, at: simnet.stacksBlockHeight });
    expectPrint(a, { event: Cl.stringAscii("dr-verification"), "event-id": Cl.uint(id), user: Cl.principal(ALICE), ...aRes });
    expect(ro("verification-engine", "get-verification", [Cl.uint(id), Cl.principal(ALICE)])).toBeSome(Cl.tuple(aRes));
    expectErr(verify(id, ALICE), "verification-engine", "ERR-ALREADY-VERIFIED");

    const b = verify(id, BOB);
    expectOk(b, Cl.bool(true));
    expectPrint(b, {
      event: Cl.stringAscii("dr-verification"), "event-id": Cl.uint(id), user: Cl.principal(BOB),
      ...result({ baseline: 10_000n, actual: 8_400n, reduction: 1_600n, achieved: 16n, committed: 20n, compliant: true, score: 80n, at: simnet.stacksBlockHeight }),
    });
    expect(ro("verification-engine", "is-event-finalized", [Cl.uint(id)])).toBeBool(false);
    const c = verify(id, CAROL);
    expectOk(c, Cl.bool(false));
    expectPrint(c, {
      event: Cl.stringAscii("dr-verification"), "event-id": Cl.uint(id), user: Cl.principal(CAROL),
      ...result({ baseline: 10_000n, actual: 9_000n, reduction: 1_000n, achieved: 10n, committed: 50n, compliant: false, score: 20n, at: simnet.stacksBlockHeight }),
    });
    expect(ro("verification-engine", "get-event-summary", [Cl.uint(id)])).toStrictEqual(
      Cl.tuple({ "verified-count": Cl.uint(3), "compliant-count": Cl.uint(2), "total-compliant-reduction-wh": Cl.uint(4_100) }),
    );
    expect(ro("verification-engine", "is-event-finalized", [Cl.uint(id)])).toBeBool(true);
  });

  it("treats a consumption increase as zero reduction", () => {
    const id = eventWith([{ user: ALICE, pct: 10n, stake: DRT }]);
    expectOk(submitReading(id, ALICE, 1_000n, 1_300n));
    expectOk(verify(id, ALICE), Cl.bool(false));
    expect(ro("verification-engine", "get-verification", [Cl.uint(id), Cl.principal(ALICE)])).toBeSome(
      Cl.tuple(result({ baseline: 1_000n, actual: 1_300n, reduction: 0n, achieved: 0n, committed: 10n, compliant: false, score: 0n, at: simnet.stacksBlockHeight })),
    );
  });

  it("waits for the oracle until the verification window closes", () => {
    const id = eventWith([{ user: ALICE, pct: 10n, stake: DRT }]);
    const endedAt = simnet.stacksBlockHeight;
    expectErr(verify(id, ALICE), "verification-engine", "ERR-NO-READING");
    simnet.mineEmptyBlocks(endedAt + 144 - simnet.stacksBlockHeight - 2);
    expectErr(verify(id, ALICE), "verification-engine", "ERR-NO-READING"); // mined at endedAt + 143
    const res = verify(id, ALICE); // mined at endedAt + 144
    expectOk(res, Cl.bool(false));
    expect(simnet.stacksBlockHeight).toBe(endedAt + 144);
    expectPrint(res, {
      event: Cl.stringAscii("dr-verification"), "event-id": Cl.uint(id), user: Cl.principal(ALICE),
      ...result({ hasReading: false, baseline: 0n, actual: 0n, reduction: 0n, achieved: 0n, committed: 10n, compliant: false, score: 0n, at: endedAt + 144 }),
    });
    expect(ro("verification-engine", "is-event-finalized", [Cl.uint(id)])).toBeBool(true);
  });

  it("refuses unknown events, open events and non-participants", () => {
    expectErr(verify(42n, ALICE), "verification-engine", "ERR-EVENT-NOT-FOUND");
    const open = eventWith([{ user: ALICE, pct: 10n, stake: DRT }], "created");
    expectErr(verify(open, ALICE), "verification-engine", "ERR-EVENT-NOT-ENDED");
    const active = eventWith([{ user: ALICE, pct: 10n, stake: DRT }], "active");
    expectErr(verify(active, ALICE), "verification-engine", "ERR-EVENT-NOT-ENDED");
    const id = eventWith([{ user: ALICE, pct: 10n, stake: DRT }]);
    expectErr(verify(id, BOB), "verification-engine", "ERR-NOT-COMMITTED");
    expect(ro("verification-engine", "get-verification", [Cl.uint(id), Cl.principal(BOB)])).toBeNone();
    expect(ro("verification-engine", "get-event-summary", [Cl.uint(99)])).toStrictEqual(
      Cl.tuple({ "verified-count": Cl.uint(0), "compliant-count": Cl.uint(0), "total-compliant-reduction-wh": Cl.uint(0) }),
    );
  });
});
