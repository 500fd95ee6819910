import { describe, it, expect, beforeEach } from "vitest";
import { Cl } from "@stacks/transactions";
import {
  ALICE, BOB, CAROL, DEPLOYER, DRT, MALLORY, ORACLE,
  bootstrap, call, createEvent, dataHash, endEvent, eventWith, startEvent, expectErr, expectOk, expectPrint,
  readingEntry, ro, submitReading,
} from "./helpers";
import { commitAll, onboard, syntheticUsers } from "./synthetic";

const batch = (entries: ReturnType<typeof readingEntry>[], sender = ORACLE) =>
  call("data-oracle", "submit-readings-batch", [Cl.list(entries)], sender);

const readingPrint = (id: bigint, user: string, baseline: bigint, actual: bigint, hash = dataHash(`${id}:${user}`)) => ({
  event: Cl.stringAscii("dr-reading"),
  "event-id": Cl.uint(id),
  user: Cl.principal(user),
  "baseline-wh": Cl.uint(baseline),
  "actual-wh": Cl.uint(actual),
  "data-hash": Cl.buffer(hash),
  oracle: Cl.principal(ORACLE),
});

describe("data-oracle", () => {
  beforeEach(() => bootstrap());

  it("stores a single reading, prints it, and refuses a second one for the pair", () => {
    const id = eventWith([{ user: ALICE, pct: 20n, stake: DRT }]);
    const res = submitReading(id, ALICE, 10_000n, 7_500n);
    expectOk(res);
    const at = simnet.stacksBlockHeight;
    expectPrint(res, readingPrint(id, ALICE, 10_000n, 7_500n));
    expect(ro("data-oracle", "get-reading", [Cl.uint(id), Cl.principal(ALICE)])).toBeSome(
      Cl.tuple({
        "baseline-wh": Cl.uint(10_000),
        "actual-wh": Cl.uint(7_500),
        "data-hash": Cl.buffer(dataHash(`${id}:${ALICE}`)),
        oracle: Cl.principal(ORACLE),
        "submitted-at": Cl.uint(at),
      }),
    );
    expectErr(submitReading(id, ALICE, 10_000n, 5_000n), "data-oracle", "ERR-ALREADY-SUBMITTED");
    expectErr(batch([readingEntry(id, ALICE, 1n, 1n)]), "data-oracle", "ERR-ALREADY-SUBMITTED");
  });

  it("accepts a batch of 100 participants in one transaction", () => {
    const users = syntheticUsers(100, "batch");
    onboard(users);
    const id = createEvent();
    commitAll(users, id, 10n, DRT);
    startEvent(id);
    endEvent(id);
    const entries = users.map((u, i) => readingEntry(id, u, 10_000n + BigInt(i), 9_000n - BigInt(i)));
    const res = batch(entries);
    expectOk(res, Cl.uint(100));
    const printed = res.events.filter((e) => e.event === "print_event");
    expect(printed).toHaveLength(100);
    expect(printed[99].data.value).toStrictEqual(Cl.tuple(readingPrint(id, users[99], 10_099n, 8_901n)));
    expect(printed[99].data.raw_value).toBe("0x" + Cl.serialize(Cl.tuple(readingPrint(id, users[99], 10_099n, 8_901n))));
    for (const [i, u] of [users[0], users[57]].entries()) {
      const k = i === 0 ? 0n : 57n;
      expect(ro("data-oracle", "get-reading", [Cl.uint(id), Cl.principal(u)])).toBeSome(
        Cl.tuple({
          "baseline-wh": Cl.uint(10_000n + k),
          "actual-wh": Cl.uint(9_000n - k),
          "data-hash": Cl.buffer(dataHash(`${id}:${u}`)),
          oracle: Cl.principal(ORACLE),
          "submitted-at": Cl.uint(simnet.stacksBlockHeight),
        }),
      );
    }
  });

  it("rejects a whole batch when one entry is refused", () => {
    const id = eventWith([
      { user: ALICE, pct: 20n, stake: DRT },
      { user: BOB, pct: 20n, stake: DRT },
    ]);
    const res = batch([readingEntry(id, ALICE, 100n, 50n), readingEntry(id, CAROL, 100n, 50n), readingEntry(id, BOB, 100n, 50n)]);
    expectErr(res, "data-oracle", "ERR-NOT-COMMITTED");
    expect(res.events).toHaveLength(0);
    expect(ro("data-oracle", "get-reading", [Cl.uint(id), Cl.principal(ALICE)])).toBeNone();
    expectErr(batch([]), "data-oracle", "ERR-EMPTY-BATCH");
    expectErr(batch([readingEntry(id, ALICE, 100n, 50n), readingEntry(id, ALICE, 100n, 40n)]), "data-oracle", "ERR-ALREADY-SUBMITTED");
    expectOk(batch([readingEntry(id, ALICE, 100n, 50n), readingEntry(id, BOB, 100n, 40n)]), Cl.uint(2));
  });

  it("validates the reading and the event", () => {
    const open = eventWith([{ user: ALICE, pct: 20n, stake: DRT }], "created");
    expectErr(submitReading(99n, ALICE, 100n, 50n), "data-oracle", "ERR-EVENT-NOT-FOUND");
    expectErr(submitReading(open, ALICE, 100n, 50n), "data-oracle", "ERR-EVENT-NOT-ENDED");
    const active = eventWith([{ user: ALICE, pct: 20n, stake: DRT }], "active");
    expectErr(submitReading(active, ALICE, 100n, 50n), "data-oracle", "ERR-EVENT-NOT-ENDED");
    const id = eventWith([{ user: ALICE, pct: 20n, stake: DRT }]);
    expectErr(submitReading(id, BOB, 100n, 50n), "data-oracle", "ERR-NOT-COMMITTED");
    expectErr(submitReading(id, ALICE, 0n, 0n), "data-oracle", "ERR-INVALID-BASELINE");
    expectErr(submitReading(id, ALICE, 100n, 50n, dataHash("x").subarray(0, 31)), "data-oracle", "ERR-INVALID-DATA-HASH");
    // actual above baseline is a valid (zero-reduction) reading
    expectOk(submitReading(id, ALICE, 100n, 150n));
  });

  it("accepts readings only from authorised oracles", () => {
    const id = eventWith([{ user: ALICE, pct: 20n, stake: DRT }]);
    const args = [Cl.uint(id), Cl.principal(ALICE), Cl.uint(100), Cl.uint(50), Cl.buffer(dataHash("r"))];
    expectErr(call("data-oracle", "submit-reading", args, MALLORY), "data-oracle", "ERR-NOT-ORACLE");
    expectErr(call("data-oracle", "submit-reading", args, DEPLOYER), "data-oracle", "ERR-NOT-ORACLE");
    expectErr(call("data-oracle", "submit-reading", args, ALICE), "data-oracle", "ERR-NOT-ORACLE");
    expectErr(batch([readingEntry(id, ALICE, 100n, 50n)], MALLORY), "data-oracle", "ERR-NOT-ORACLE");
    expect(ro("data-oracle", "is-oracle", [Cl.principal(ORACLE)])).toBeBool(true);
    expect(ro("data-oracle", "is-oracle", [Cl.principal(MALLORY)])).toBeBool(false);
  });

  it("lets only the owner manage oracles and ownership", () => {
    expectErr(call("data-oracle", "add-oracle", [Cl.principal(MALLORY)], MALLORY), "data-oracle", "ERR-OWNER-ONLY");
    expectErr(call("data-oracle", "remove-oracle", [Cl.principal(ORACLE)], MALLORY), "data-oracle", "ERR-OWNER-ONLY");
    expectErr(call("data-oracle", "add-oracle", [Cl.principal(MALLORY)], ORACLE), "data-oracle", "ERR-OWNER-ONLY");
    const added = call("data-oracle", "add-oracle", [Cl.principal(BOB)], DEPLOYER);
    expectOk(added);
    expectPrint(added, { event: Cl.stringAscii("dr-oracle-set"), oracle: Cl.principal(BOB), enabled: Cl.bool(true) });
    const removed = call("data-oracle", "remove-oracle", [Cl.principal(ORACLE)], DEPLOYER);
    expectOk(removed);
    expectPrint(removed, { event: Cl.stringAscii("dr-oracle-set"), oracle: Cl.principal(ORACLE), enabled: Cl.bool(false) });
    const id = eventWith([{ user: ALICE, pct: 20n, stake: DRT }]);
    expectErr(submitReading(id, ALICE, 100n, 50n), "data-oracle", "ERR-NOT-ORACLE");
    expectErr(call("data-oracle", "set-contract-owner", [Cl.principal(MALLORY)], MALLORY), "data-oracle", "ERR-OWNER-ONLY");
    expectOk(call("data-oracle", "set-contract-owner", [Cl.principal(BOB)], DEPLOYER));
    expect(ro("data-oracle", "get-contract-owner", [])).toBePrincipal(BOB);
    expectErr(call("data-oracle", "add-oracle", [Cl.principal(ORACLE)], DEPLOYER), "data-oracle", "ERR-OWNER-ONLY");
  });
});
