import { describe, it, expect, beforeEach } from "vitest";
import { Cl } from "@stacks/transactions";
import {
  ALICE, DEPLOYER, DISTRIBUTOR, DRT, EVENT_START, FUTURE_START, MALLORY, MAX_REWARD_POOL, OPERATOR,
  balance, bootstrap, call, createEvent, eventArgs, eventRecord, expectErr, expectOk, expectPrint, ro,
} from "./helpers";

const create = (sender: string, a = {}) => call("event-manager", "create-event", eventArgs(a), sender);
const lifecycle = (fn: string, id: bigint, sender = OPERATOR) => call("event-manager", fn, [Cl.uint(id)], sender);

describe("event-manager", () => {
  beforeEach(() => bootstrap());

  it("creates an event, funds the pool into the distributor escrow and prints dr-event-created", () => {
    const before = balance(OPERATOR);
    const res = create(OPERATOR, { start: EVENT_START, duration: 7200n, targetKw: 750n, level: 3n, pool: 250n * DRT });
    expectOk(res, Cl.uint(1));
    const createdAt = simnet.stacksBlockHeight;
    const record = eventRecord({
      start: EVENT_START, duration: 7200n, targetKw: 750n, level: 3n, pool: 250n * DRT,
      status: "created", createdAt,
    });
    expectPrint(res, { event: Cl.stringAscii("dr-event-created"), "event-id": Cl.uint(1), ...record });
    expect(res.events.find((e) => e.event === "ft_transfer_event")?.data).toMatchObject({
      sender: OPERATOR,
      recipient: DISTRIBUTOR,
      amount: String(250n * DRT),
    });
    expect(balance(OPERATOR)).toBe(before - 250n * DRT);
    expect(balance(DISTRIBUTOR)).toBe(250n * DRT);
    expect(ro("event-manager", "get-event", [Cl.uint(1)])).toBeSome(Cl.tuple(record));
    expect(ro("event-manager", "get-last-event-id", [])).toBeUint(1);
    expect(ro("event-manager", "get-event", [Cl.uint(2)])).toBeNone();
    expectOk(create(OPERATOR), Cl.uint(2));
  });

  it("walks created -> active -> ended with a print for each change", () => {
    const id = createEvent();
    const createdAt = simnet.stacksBlockHeight;
    const started = lifecycle("start-event", id);
    expectOk(started);
    expectPrint(started, {
      event: Cl.stringAscii("dr-event-started"), "event-id": Cl.uint(id),
      ...eventRecord({ status: "active", createdAt }),
    });
    const ended = lifecycle("end-event", id);
    expectOk(ended);
    const endedAt = simnet.stacksBlockHeight;
    expectPrint(ended, {
      event: Cl.stringAscii("dr-event-ended"), "event-id": Cl.uint(id),
      ...eventRecord({ status: "ended", createdAt, endedAt }),
    });
    expect(ro("event-manager", "get-event", [Cl.uint(id)])).toBeSome(
      Cl.tuple(eventRecord({ status: "ended", createdAt, endedAt })),
    );
    // no transition out of "ended"
    expectErr(lifecycle("start-event", id), "event-manager", "ERR-EVENT-NOT-CREATED");
    expectErr(lifecycle("cancel-event", id), "event-manager", "ERR-EVENT-NOT-CREATED");
    expectErr(lifecycle("end-event", id), "event-manager", "ERR-EVENT-NOT-ACTIVE");
  });

  it("cancels only events that have not started", () => {
    const id = createEvent();
    const createdAt = simnet.stacksBlockHeight;
    expectErr(lifecycle("end-event", id), "event-manager", "ERR-EVENT-NOT-ACTIVE");
    const res = lifecycle("cancel-event", id);
    expectOk(res);
    expectPrint(res, {
      event: Cl.stringAscii("dr-event-cancelled"), "event-id": Cl.uint(id),
      ...eventRecord({ status: "cancelled", createdAt }),
    });
    expectErr(lifecycle("start-event", id), "event-manager", "ERR-EVENT-NOT-CREATED");
    const other = createEvent();
    startEventOk(other);
    expectErr(lifecycle("cancel-event", other), "event-manager", "ERR-EVENT-NOT-CREATED");
  });

  it("lets only operators create events", () => {
    expectErr(create(MALLORY), "event-manager", "ERR-NOT-OPERATOR");
    expectErr(create(DEPLOYER), "event-manager", "ERR-NOT-OPERATOR");
    expect(ro("event-manager", "is-operator", [Cl.principal(OPERATOR)])).toBeBool(true);
    expect(ro("event-manager", "is-operator", [Cl.principal(MALLORY)])).toBeBool(false);
  });

  it("lets only the event's own operator start, end or cancel it (before its grace)", () => {
    expectOk(call("event-manager", "add-operator", [Cl.principal(ALICE)], DEPLOYER));
    const id = createEvent({ start: FUTURE_START });
    expect(ro("event-manager", "is-past-grace", [Cl.uint(id)])).toBeBool(false);
    for (const fn of ["start-event", "cancel-event"]) {
      expectErr(lifecycle(fn, id, ALICE), "event-manager", "ERR-NOT-EVENT-OPERATOR");
      expectErr(lifecycle(fn, id, MALLORY), "event-manager", "ERR-NOT-EVENT-OPERATOR");
      expectErr(lifecycle(fn, id, DEPLOYER), "event-manager", "ERR-NOT-EVENT-OPERATOR");
    }
    startEventOk(id);
    expectErr(lifecycle("end-event", id, ALICE), "event-manager", "ERR-NOT-EVENT-OPERATOR");
    for (const fn of ["start-event", "end-event", "cancel-event"]) {
      expectErr(lifecycle(fn, 99n), "event-manager", "ERR-EVENT-NOT-FOUND");
    }
  });

  it("validates the event fields", () => {
    expectErr(create(OPERATOR, { start: 0n }), "event-manager", "ERR-INVALID-START");
    expectErr(create(OPERATOR, { duration: 0n }), "event-manager", "ERR-INVALID-DURATION");
    expectErr(create(OPERATOR, { duration: 86_401n }), "event-manager", "ERR-INVALID-DURATION");
    expectOk(create(OPERATOR, { duration: 86_400n }), Cl.uint(1));
    expectErr(create(OPERATOR, { targetKw: 0n }), "event-manager", "ERR-INVALID-TARGET");
    expectErr(create(OPERATOR, { level: 0n }), "event-manager", "ERR-INVALID-SIGNAL-LEVEL");
    expectErr(create(OPERATOR, { level: 4n }), "event-manager", "ERR-INVALID-SIGNAL-LEVEL");
    expectOk(create(OPERATOR, { level: 1n }), Cl.uint(2));
    expectErr(create(OPERATOR, { pool: 0n }), "event-manager", "ERR-INVALID-REWARD-POOL");
    expectErr(create(OPERATOR, { pool: MAX_REWARD_POOL + 1n }), "event-manager", "ERR-INVALID-REWARD-POOL");
    // funding errors come from reward-token
    expectErr(create(OPERATOR, { pool: 10_000n * DRT }), "reward-token", "ERR-INSUFFICIENT-BALANCE");
    expect(ro("event-manager", "get-last-event-id", [])).toBeUint(2);
  });

  it("lets only the owner manage operators and ownership", () => {
    expectErr(call("event-manager", "add-operator", [Cl.principal(MALLORY)], MALLORY), "event-manager", "ERR-OWNER-ONLY");
    expectErr(call("event-manager", "add-operator", [Cl.principal(MALLORY)], OPERATOR), "event-manager", "ERR-OWNER-ONLY");
    expectErr(call("event-manager", "remove-operator", [Cl.principal(OPERATOR)], MALLORY), "event-manager", "ERR-OWNER-ONLY");
    const added = call("event-manager", "add-operator", [Cl.principal(ALICE)], DEPLOYER);
    expectOk(added);
    expectPrint(added, { event: Cl.stringAscii("dr-operator-set"), operator: Cl.principal(ALICE), enabled: Cl.bool(true) });
    const removed = call("event-manager", "remove-operator", [Cl.principal(OPERATOR)], DEPLOYER);
    expectOk(removed);
    expectPrint(removed, { event: Cl.stringAscii("dr-operator-set"), operator: Cl.principal(OPERATOR), enabled: Cl.bool(false) });
    expectErr(create(OPERATOR), "event-manager", "ERR-NOT-OPERATOR");
    expectErr(call("event-manager", "set-contract-owner", [Cl.principal(MALLORY)], MALLORY), "event-manager", "ERR-OWNER-ONLY");
    expectOk(call("event-manager", "set-contract-owner", [Cl.principal(ALICE)], DEPLOYER));
    expect(ro("event-manager", "get-contract-owner", [])).toBePrincipal(ALICE);
    expectErr(call("event-manager", "add-operator", [Cl.principal(OPERATOR)], DEPLOYER), "event-manager", "ERR-OWNER-ONLY");
  });
});

function startEventOk(id: bigint) {
  expectOk(call("event-manager", "start-event", [Cl.uint(id)], OPERATOR));
}
