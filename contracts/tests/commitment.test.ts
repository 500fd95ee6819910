import { describe, it, expect, beforeEach } from "vitest";
import { Cl } from "@stacks/transactions";
import {
  ALICE, BOB, DISTRIBUTOR, DRT, OPERATOR,
  balance, bootstrap, call, createEvent, deviceHash, expectErr, expectOk, expectPrint,
  registerWithDevice, ro, startEvent, endEvent,
} from "./helpers";
import { commitAll, onboard, syntheticUsers } from "./synthetic";

const commit = (user: string, id: bigint, pct: bigint, stake: bigint) =>
  call("commitment", "commit", [Cl.uint(id), Cl.uint(pct), Cl.uint(stake)], user);

describe("commitment", () => {
  beforeEach(() => bootstrap());

  it("stakes into the escrow, records the pledge and prints dr-commitment", () => {
    registerWithDevice(ALICE);
    const id = createEvent();
    const res = commit(ALICE, id, 20n, 5n * DRT);
    expectOk(res);
    const at = simnet.stacksBlockHeight;
    expectPrint(res, {
      event: Cl.stringAscii("dr-commitment"),
      "event-id": Cl.uint(id),
      user: Cl.principal(ALICE),
      "reduction-pct": Cl.uint(20),
      stake: Cl.uint(5n * DRT),
    });
    expect(res.events.find((e) => e.event === "ft_transfer_event")?.data).toMatchObject({
      sender: ALICE, recipient: DISTRIBUTOR, amount: String(5n * DRT),
    });
    expect(balance(ALICE)).toBe(95n * DRT);
    expect(ro("commitment", "get-commitment", [Cl.uint(id), Cl.principal(ALICE)])).toBeSome(
      Cl.tuple({ "reduction-pct": Cl.uint(20), stake: Cl.uint(5n * DRT), "committed-at": Cl.uint(at) }),
    );
    expect(ro("commitment", "get-commitment", [Cl.uint(id), Cl.principal(BOB)])).toBeNone();
    registerWithDevice(BOB);
    expectOk(commit(BOB, id, 100n, DRT));
    expect(ro("commitment", "get-event-participants", [Cl.uint(id)])).toBeList([Cl.principal(ALICE), Cl.principal(BOB)]);
    expect(ro("commitment", "get-participant-count", [Cl.uint(id)])).toBeUint(2);
    expect(ro("commitment", "get-event-participants", [Cl.uint(99)])).toBeList([]);
  });

  it("requires a registered user with a device", () => {
    const id = createEvent();
    expectErr(commit(ALICE, id, 20n, DRT), "commitment", "ERR-NOT-REGISTERED");
    expectOk(call("user-registry", "register-user", [], ALICE));
    expectErr(commit(ALICE, id, 20n, DRT), "commitment", "ERR-NO-DEVICE");
    expectOk(call("user-registry", "link-device", [Cl.buffer(deviceHash("ven-a"))], ALICE));
    expectOk(commit(ALICE, id, 20n, DRT));
  });

  it("accepts commitments only to existing events in status created", () => {
    registerWithDevice(ALICE);
    expectErr(commit(ALICE, 7n, 20n, DRT), "commitment", "ERR-EVENT-NOT-FOUND");
    const active = createEvent();
    startEvent(active);
    expectErr(commit(ALICE, active, 20n, DRT), "commitment", "ERR-EVENT-NOT-OPEN");
    endEvent(active);
    expectErr(commit(ALICE, active, 20n, DRT), "commitment", "ERR-EVENT-NOT-OPEN");
    const cancelled = createEvent();
    expectOk(call("event-manager", "cancel-event", [Cl.uint(cancelled)], OPERATOR));
    expectErr(commit(ALICE, cancelled, 20n, DRT), "commitment", "ERR-EVENT-NOT-OPEN");
  });

  it("refuses a second commitment, bad percentages and small stakes", () => {
    registerWithDevice(ALICE);
    const id = createEvent();
    expectErr(commit(ALICE, id, 0n, DRT), "commitment", "ERR-INVALID-REDUCTION");
    expectErr(commit(ALICE, id, 101n, DRT), "commitment", "ERR-INVALID-REDUCTION");
    expectErr(commit(ALICE, id, 20n, DRT - 1n), "commitment", "ERR-STAKE-TOO-LOW");
    expectErr(commit(ALICE, id, 20n, 1_000n * DRT), "reward-token", "ERR-INSUFFICIENT-BALANCE");
    expectOk(commit(ALICE, id, 20n, DRT));
    expectErr(commit(ALICE, id, 30n, 2n * DRT), "commitment", "ERR-ALREADY-COMMITTED");
    expect(balance(ALICE)).toBe(99n * DRT);
  });

  it("caps an event at 200 participants", () => {
    const id = createEvent();
    const users = syntheticUsers(201);
    onboard(users);
    commitAll(users.slice(0, 200), id, 10n, DRT);
    expectErr(commit(users[200], id, 10n, DRT), "commitment", "ERR-EVENT-FULL");
    expect(ro("commitment", "get-participant-count", [Cl.uint(id)])).toBeUint(200);
    const listed = ro("commitment", "get-event-participants", [Cl.uint(id)]);
    expect(listed).toBeList(users.slice(0, 200).map((u) => Cl.principal(u)));
  });
});
