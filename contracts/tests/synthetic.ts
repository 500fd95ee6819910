// Deterministic extra participants, beyond the Devnet accounts, for the
// 100-entry oracle batch and the 200-participant cap.
import { createHash } from "node:crypto";
import { Cl, getAddressFromPrivateKey } from "@stacks/transactions";
import { tx } from "@stacks/clarinet-sdk";
import { expect } from "vitest";
import { DEPLOYER, DRT, deviceHash } from "./helpers";

export function syntheticUsers(n: number, tag = "user"): string[] {
  return Array.from({ length: n }, (_, i) => {
    const key = createHash("sha256").update(`dr-contracts-test-${tag}-${i}`).digest("hex") + "01";
    return getAddressFromPrivateKey(key, "testnet");
  });
}

/** Mints `amount` to each user, registers them and links one device each (three blocks). */
export function onboard(users: string[], amount = 10n * DRT) {
  const check = (results: { result: any }[]) => results.forEach((r) => expect(r.result).toBeOk(Cl.bool(true)));
  check(simnet.mineBlock(users.map((u) => tx.callPublicFn("reward-token", "mint", [Cl.uint(amount), Cl.principal(u)], DEPLOYER))));
  check(simnet.mineBlock(users.map((u) => tx.callPublicFn("user-registry", "register-user", [], u))));
  check(
    simnet.mineBlock(
      users.map((u) => tx.callPublicFn("user-registry", "link-device", [Cl.buffer(deviceHash(`ven-${u}`))], u)),
    ),
  );
}

/** Every user commits to `id` in one block. */
export function commitAll(users: string[], id: bigint, pct: bigint, stake: bigint) {
  const results = simnet.mineBlock(
    users.map((u) => tx.callPublicFn("commitment", "commit", [Cl.uint(id), Cl.uint(pct), Cl.uint(stake)], u)),
  );
  results.forEach((r) => expect(r.result).toBeOk(Cl.bool(true)));
}
