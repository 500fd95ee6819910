// The whole program, as the bridge sees it: an operator runs two events; the
// second one picks up a penalty rate and a reward multiplier changed by
// governance in between.
import { describe, it, expect } from "vitest";
import { Cl, ClarityType, cvToString } from "@stacks/transactions";
import {
  ALICE, BOB, CAROL, DAVE, DISTRIBUTOR, DRT, MALLORY, OPERATOR, ORACLE, TREASURY, VOTER,
  balance, bootstrap, call, commit, createEvent, deviceHash, endEvent, expectOk, expectOkAny, mint,
  prints, readingEntry, registerWithDevice, ro, startEvent, submitReading, supply, verify,
} from "./helpers";

describe("demand-response program, end to end", () => {
  it("runs register -> event -> commit -> oracle -> verify -> claim/slash -> governance -> next event", () => {
    bootstrap();
    mint(VOTER, 1_000n * DRT);
    const minted = 1_000n * DRT + 5n * 100n * DRT + 1_000n * DRT;
    expect(supply()).toBe(minted);

    // --- participants register and link their VENs (SHA-256 of the venName)
    registerWithDevice(ALICE, "ven-alice-heatpump");
    expectOk(call("user-registry", "link-device", [Cl.buffer(deviceHash("ven-alice-ev"))], ALICE));
    registerWithDevice(BOB, "ven-bob");
    registerWithDevice(CAROL, "ven-carol");
    registerWithDevice(DAVE, "ven-dave");

    // --- event 1: created and funded, commitments, started, ended
    const e1 = createEvent({ pool: 120n * DRT, targetKw: 40n, level: 2n });
    expect(balance(DISTRIBUTOR)).toBe(120n * DRT);
    commit(ALICE, e1, 20n, 10n * DRT);
    commit(BOB, e1, 10n, 10n * DRT);
    commit(CAROL, e1, 30n, 10n * DRT);
    commit(DAVE, e1, 10n, 10n * DRT);
    expect(balance(DISTRIBUTOR)).toBe(160n * DRT);

    // the VTN's read path: participants -> devices
    const participants = ro("commitment", "get-event-participants", [Cl.uint(e1)]);
    expect(participants).toBeList([ALICE, BOB, CAROL, DAVE].map((u) => Cl.principal(u)));
    expect(ro("user-registry", "get-user-devices", [Cl.principal(ALICE)])).toBeList([
      Cl.buffer(deviceHash("ven-alice-heatpump")),
      Cl.buffer(deviceHash("ven-alice-ev")),
    ]);
    expect(ro("user-registry", "get-device-owner", [Cl.buffer(deviceHash("ven-bob"))])).toBeSome(Cl.principal(BOB));

    startEvent(e1);
    endEvent(e1);

    // --- oracle: one single submission, then a batch for the rest
    expectOk(submitReading(e1, ALICE, 20_000n, 15_000n)); // 25% (committed 20%): compliant
    const b = call("data-oracle", "submit-readings-batch", [Cl.list([
      readingEntry(e1, BOB, 10_000n, 9_000n), // 10% (committed 10%): compliant
      readingEntry(e1, CAROL, 10_000n, 9_000n), // 10% (committed 30%, needs 24%): slashed
      readingEntry(e1, DAVE, 12_000n, 10_000n), // 16% (committed 10%): compliant
    ])], ORACLE);
    expectOk(b, Cl.uint(3));
    expect(prints(b).map((p) => cvToString((p.value as any).value["event"]))).toEqual(['"dr-reading"', '"dr-reading"', '"dr-reading"']);

    // --- verification (anyone), claims and slash
    for (const u of [ALICE, BOB, CAROL, DAVE]) expectOkAny(verify(e1, u, MALLORY));
    expect(ro("verification-engine", "get-event-summary", [Cl.uint(e1)])).toStrictEqual(
      Cl.tuple({ "verified-count": Cl.uint(4), "compliant-count": Cl.uint(3), "total-compliant-reduction-wh": Cl.uint(8_000) }),
    );
    const before = { a: balance(ALICE), b: balance(BOB), c: balance(CAROL), d: balance(DAVE) };
    expectOkAny(call("reward-distributor", "claim", [Cl.uint(e1)], ALICE));
    expectOkAny(call("reward-distributor", "claim", [Cl.uint(e1)], BOB));
    expectOkAny(call("reward-distributor", "claim", [Cl.uint(e1)], DAVE));
    expectOkAny(call("reward-distributor", "slash", [Cl.uint(e1), Cl.principal(CAROL)], MALLORY));
    expect(balance(ALICE) - before.a).toBe(10n * DRT + 75n * DRT); // 5000/8000 of 120
    expect(balance(BOB) - before.b).toBe(10n * DRT + 15n * DRT); // 1000/8000
    expect(balance(DAVE) - before.d).toBe(10n * DRT + 30n * DRT); // 2000/8000
    expect(balance(CAROL) - before.c).toBe(5n * DRT); // 50% penalty
    expect(balance(TREASURY)).toBe(5n * DRT);
    expect(balance(DISTRIBUTOR)).toBe(0n); // pool paid in full, stakes settled
    expect(supply()).toBe(minted);

    // --- governance: penalty 50 -> 80 and multiplier 100 -> 150
    const p1 = call("governance-dao", "propose-parameter-change", [Cl.stringAscii("penalty-rate"), Cl.uint(80)], VOTER);
    const p2 = call("governance-dao", "propose-parameter-change", [Cl.stringAscii("reward-multiplier"), Cl.uint(150)], VOTER);
    expectOk(p1, Cl.uint(1));
    expectOk(p2, Cl.uint(2));
    // an event created while the vote runs keeps the old parameters
    const e2 = createEvent({ pool: 10n * DRT });
    expectOk(call("governance-dao", "vote", [Cl.uint(1), Cl.bool(true)], VOTER));
    expectOk(call("governance-dao", "vote", [Cl.uint(2), Cl.bool(true)], VOTER));
    simnet.mineEmptyBlocks(144);
    expectOk(call("governance-dao", "execute", [Cl.uint(1)], MALLORY));
    expectOk(call("governance-dao", "execute", [Cl.uint(2)], MALLORY));
    const e3 = createEvent({ pool: 10n * DRT });
    const get = (id: bigint, field: string) => {
      const ev = ro("event-manager", "get-event", [Cl.uint(id)]);
      if (ev.type !== ClarityType.OptionalSome || ev.value.type !== ClarityType.Tuple) throw new Error("no event");
      return ev.value.value[field];
    };
    expect(get(e2, "penalty-rate")).toBeUint(50);
    expect(get(e3, "penalty-rate")).toBeUint(80);
    expect(get(e3, "reward-multiplier")).toBeUint(150);

    // --- event 3: CAROL fails again and now loses 80%; ALICE earns a minted 50% bonus
    commit(ALICE, e3, 20n, 10n * DRT);
    commit(CAROL, e3, 20n, 10n * DRT);
    startEvent(e3);
    endEvent(e3);
    expectOk(call("data-oracle", "submit-readings-batch", [Cl.list([
      readingEntry(e3, ALICE, 10_000n, 7_000n),
      readingEntry(e3, CAROL, 10_000n, 10_000n),
    ])], ORACLE), Cl.uint(2));
    expectOkAny(verify(e3, ALICE));
    expectOkAny(verify(e3, CAROL));
    const carol = balance(CAROL);
    const slashed = call("reward-distributor", "slash", [Cl.uint(e3), Cl.principal(CAROL)], MALLORY);
    expectOkAny(slashed);
    expect(balance(CAROL) - carol).toBe(2n * DRT);
    expect(balance(TREASURY)).toBe(5n * DRT + 8n * DRT);
    const alice = balance(ALICE);
    const supplyBefore = supply();
    expectOkAny(call("reward-distributor", "claim", [Cl.uint(e3)], ALICE));
    expect(balance(ALICE) - alice).toBe(10n * DRT + 10n * DRT + 5n * DRT); // stake + pool + bonus
    expect(supply() - supplyBefore).toBe(5n * DRT); // the bonus is the only mint
    expect(ro("reward-token", "get-total-minted", [])).toBeUint(supply());

    // --- event 2 is cancelled: stakes (none) and pool go back
    expectOk(call("event-manager", "cancel-event", [Cl.uint(e2)], OPERATOR));
    const op = balance(OPERATOR);
    expectOk(call("reward-distributor", "reclaim-pool", [Cl.uint(e2)], OPERATOR), Cl.uint(10n * DRT));
    expect(balance(OPERATOR) - op).toBe(10n * DRT);
    expect(balance(DISTRIBUTOR)).toBe(0n);
  });
});
