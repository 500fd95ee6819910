import { describe, it, expect } from "vitest";
import { Cl } from "@stacks/transactions";
import { ALICE, BOB, call, deviceHash, expectErr, expectOk, expectPrint, ro } from "./helpers";

const link = (user: string, hash: Uint8Array) => call("user-registry", "link-device", [Cl.buffer(hash)], user);
const unlink = (user: string, hash: Uint8Array) => call("user-registry", "unlink-device", [Cl.buffer(hash)], user);

describe("user-registry", () => {
  it("registers a user once and prints dr-user-registered", () => {
    const res = call("user-registry", "register-user", [], ALICE);
    expectOk(res);
    expectPrint(res, { event: Cl.stringAscii("dr-user-registered"), user: Cl.principal(ALICE) });
    const height = simnet.stacksBlockHeight;
    expect(ro("user-registry", "get-user", [Cl.principal(ALICE)])).toBeSome(
      Cl.tuple({ "registered-at": Cl.uint(height), "device-count": Cl.uint(0) }),
    );
    expect(ro("user-registry", "is-registered", [Cl.principal(ALICE)])).toBeBool(true);
    expectErr(call("user-registry", "register-user", [], ALICE), "user-registry", "ERR-ALREADY-REGISTERED");
  });

  it("reports unknown users as none / empty", () => {
    expect(ro("user-registry", "get-user", [Cl.principal(BOB)])).toBeNone();
    expect(ro("user-registry", "is-registered", [Cl.principal(BOB)])).toBeBool(false);
    expect(ro("user-registry", "get-user-devices", [Cl.principal(BOB)])).toBeList([]);
    expect(ro("user-registry", "get-device-owner", [Cl.buffer(deviceHash("nobody"))])).toBeNone();
  });

  it("links devices (SHA-256 of the venName), one owner per device", () => {
    const h1 = deviceHash("ven-alice-1");
    const h2 = deviceHash("ven-alice-2");
    expectErr(link(ALICE, h1), "user-registry", "ERR-NOT-REGISTERED");
    expectOk(call("user-registry", "register-user", [], ALICE));
    expectOk(call("user-registry", "register-user", [], BOB));
    const res = link(ALICE, h1);
    expectOk(res);
    expectPrint(res, {
      event: Cl.stringAscii("dr-device-linked"),
      user: Cl.principal(ALICE),
      "device-hash": Cl.buffer(h1),
      "device-count": Cl.uint(1),
    });
    expectOk(link(ALICE, h2));
    expect(ro("user-registry", "get-user-devices", [Cl.principal(ALICE)])).toBeList([Cl.buffer(h1), Cl.buffer(h2)]);
    expect(ro("user-registry", "get-device-owner", [Cl.buffer(h1)])).toBeSome(Cl.principal(ALICE));
    // one owner per device: neither the owner nor anyone else can link it again
    expectErr(link(ALICE, h1), "user-registry", "ERR-DEVICE-ALREADY-LINKED");
    expectErr(link(BOB, h1), "user-registry", "ERR-DEVICE-ALREADY-LINKED");
  });

  it("refuses malformed device hashes", () => {
    expectOk(call("user-registry", "register-user", [], ALICE));
    expectErr(link(ALICE, new Uint8Array(32)), "user-registry", "ERR-INVALID-DEVICE-HASH");
    expectErr(link(ALICE, deviceHash("x").subarray(0, 20)), "user-registry", "ERR-INVALID-DEVICE-HASH");
  });

  it("caps a user at 20 devices", () => {
    expectOk(call("user-registry", "register-user", [], ALICE));
    const registeredAt = simnet.stacksBlockHeight;
    for (let i = 0; i < 20; i++) expectOk(link(ALICE, deviceHash(`ven-${i}`)));
    expectErr(link(ALICE, deviceHash("ven-20")), "user-registry", "ERR-TOO-MANY-DEVICES");
    expect(ro("user-registry", "get-user", [Cl.principal(ALICE)])).toBeSome(
      Cl.tuple({ "registered-at": Cl.uint(registeredAt), "device-count": Cl.uint(20) }),
    );
  });

  it("unlinks only the owner's devices and keeps the order of the rest", () => {
    const [h1, h2, h3] = ["a", "b", "c"].map((n) => deviceHash(`ven-${n}`));
    expectOk(call("user-registry", "register-user", [], ALICE));
    expectOk(call("user-registry", "register-user", [], BOB));
    for (const h of [h1, h2, h3]) expectOk(link(ALICE, h));
    expectErr(unlink(BOB, h2), "user-registry", "ERR-NOT-DEVICE-OWNER");
    expectErr(unlink(ALICE, deviceHash("unknown")), "user-registry", "ERR-DEVICE-NOT-FOUND");
    const res = unlink(ALICE, h2);
    expectOk(res);
    expectPrint(res, {
      event: Cl.stringAscii("dr-device-unlinked"),
      user: Cl.principal(ALICE),
      "device-hash": Cl.buffer(h2),
      "device-count": Cl.uint(2),
    });
    expect(ro("user-registry", "get-user-devices", [Cl.principal(ALICE)])).toBeList([Cl.buffer(h1), Cl.buffer(h3)]);
    expect(ro("user-registry", "get-device-owner", [Cl.buffer(h2)])).toBeNone();
    // a freed device can be linked by someone else
    expectOk(link(BOB, h2));
    expect(ro("user-registry", "get-device-owner", [Cl.buffer(h2)])).toBeSome(Cl.principal(BOB));
  });
});
