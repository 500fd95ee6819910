import { describe, it, expect } from "vitest";
import { Cl } from "@stacks/transactions";
import {
  ALICE, BOB, DEPLOYER, DISTRIBUTOR, DRT, MALLORY,
  balance, call, expectErr, expectOk, expectPrint, mint, ro, supply,
} from "./helpers";

const transfer = (amount: bigint, sender: string, recipient: string, caller = sender, memo?: Uint8Array) =>
  call(
    "reward-token",
    "transfer",
    [Cl.uint(amount), Cl.principal(sender), Cl.principal(recipient), memo ? Cl.some(Cl.buffer(memo)) : Cl.none()],
    caller,
  );

describe("reward-token (SIP-010)", () => {
  it("exposes the SIP-010 metadata", () => {
    expect(ro("reward-token", "get-name", [])).toBeOk(Cl.stringAscii("DR Reward Token"));
    expect(ro("reward-token", "get-symbol", [])).toBeOk(Cl.stringAscii("DRT"));
    expect(ro("reward-token", "get-decimals", [])).toBeOk(Cl.uint(6));
    expect(ro("reward-token", "get-total-supply", [])).toBeOk(Cl.uint(0));
    expect(ro("reward-token", "get-token-uri", [])).toBeOk(Cl.none());
    expect(ro("reward-token", "get-balance", [Cl.principal(ALICE)])).toBeOk(Cl.uint(0));
    expect(ro("reward-token", "get-contract-owner", [])).toBePrincipal(DEPLOYER);
  });

  it("authorises only the distributor to mint at deployment", () => {
    expect(ro("reward-token", "is-minter", [Cl.principal(DISTRIBUTOR)])).toBeBool(true);
    expect(ro("reward-token", "is-minter", [Cl.principal(DEPLOYER)])).toBeBool(false);
    expectErr(call("reward-token", "mint", [Cl.uint(1), Cl.principal(DEPLOYER)], DEPLOYER), "reward-token", "ERR-NOT-MINTER");
  });

  it("lets only the owner change minters, and minters mint", () => {
    expectErr(
      call("reward-token", "set-minter", [Cl.principal(MALLORY), Cl.bool(true)], MALLORY),
      "reward-token",
      "ERR-OWNER-ONLY",
    );
    const set = call("reward-token", "set-minter", [Cl.principal(DEPLOYER), Cl.bool(true)], DEPLOYER);
    expectOk(set);
    expectPrint(set, { event: Cl.stringAscii("dr-minter-set"), minter: Cl.principal(DEPLOYER), enabled: Cl.bool(true) });
    const res = call("reward-token", "mint", [Cl.uint(5n * DRT), Cl.principal(ALICE)], DEPLOYER);
    expectOk(res);
    expectPrint(res, {
      event: Cl.stringAscii("dr-token-minted"),
      minter: Cl.principal(DEPLOYER),
      recipient: Cl.principal(ALICE),
      amount: Cl.uint(5n * DRT),
    });
    expect(res.events.find((e) => e.event === "ft_mint_event")?.data).toMatchObject({
      asset_identifier: `${DEPLOYER}.reward-token::drt`,
      recipient: ALICE,
      amount: String(5n * DRT),
    });
    expect(balance(ALICE)).toBe(5n * DRT);
    expect(supply()).toBe(5n * DRT);
    expect(ro("reward-token", "get-total-minted", [])).toBeUint(5n * DRT);
    expectErr(call("reward-token", "mint", [Cl.uint(0), Cl.principal(ALICE)], DEPLOYER), "reward-token", "ERR-INVALID-AMOUNT");
    // revoking works
    expectOk(call("reward-token", "set-minter", [Cl.principal(DEPLOYER), Cl.bool(false)], DEPLOYER));
    expectErr(call("reward-token", "mint", [Cl.uint(1), Cl.principal(ALICE)], DEPLOYER), "reward-token", "ERR-NOT-MINTER");
  });

  it("transfers with the SIP-010 semantics", () => {
    expectOk(call("reward-token", "set-minter", [Cl.principal(DEPLOYER), Cl.bool(true)], DEPLOYER));
    mint(ALICE, 10n * DRT);
    const res = transfer(3n * DRT, ALICE, BOB);
    expectOk(res);
    expect(res.events.find((e) => e.event === "ft_transfer_event")?.data).toMatchObject({
      sender: ALICE,
      recipient: BOB,
      amount: String(3n * DRT),
    });
    expect(balance(ALICE)).toBe(7n * DRT);
    expect(balance(BOB)).toBe(3n * DRT);
    expect(supply()).toBe(10n * DRT);
    // the memo is printed as is
    const memo = new TextEncoder().encode("invoice-42");
    const withMemo = transfer(1n, ALICE, BOB, ALICE, memo);
    expectOk(withMemo);
    expect(withMemo.events.find((e) => e.event === "print_event")?.data.value).toStrictEqual(Cl.buffer(memo));
  });

  it("refuses transfers with distinct error codes", () => {
    expectOk(call("reward-token", "set-minter", [Cl.principal(DEPLOYER), Cl.bool(true)], DEPLOYER));
    mint(ALICE, 10n);
    expectErr(transfer(1n, ALICE, MALLORY, MALLORY), "reward-token", "ERR-NOT-TOKEN-OWNER");
    expectErr(transfer(0n, ALICE, BOB), "reward-token", "ERR-INVALID-AMOUNT");
    expectErr(transfer(1n, ALICE, ALICE), "reward-token", "ERR-SAME-PRINCIPAL");
    expectErr(transfer(11n, ALICE, BOB), "reward-token", "ERR-INSUFFICIENT-BALANCE");
    expect(balance(ALICE)).toBe(10n);
  });

  it("lets only the owner set the token URI and hand over ownership", () => {
    const uri = Cl.some(Cl.stringUtf8("https://example.org/drt.json"));
    expectErr(call("reward-token", "set-token-uri", [uri], MALLORY), "reward-token", "ERR-OWNER-ONLY");
    expectOk(call("reward-token", "set-token-uri", [uri], DEPLOYER));
    expect(ro("reward-token", "get-token-uri", [])).toBeOk(uri);
    expectErr(call("reward-token", "set-contract-owner", [Cl.principal(MALLORY)], MALLORY), "reward-token", "ERR-OWNER-ONLY");
    const res = call("reward-token", "set-contract-owner", [Cl.principal(ALICE)], DEPLOYER);
    expectOk(res);
    expectPrint(res, {
      event: Cl.stringAscii("dr-owner-changed"),
      contract: Cl.stringAscii("reward-token"),
      owner: Cl.principal(ALICE),
    });
    expectErr(call("reward-token", "set-minter", [Cl.principal(BOB), Cl.bool(true)], DEPLOYER), "reward-token", "ERR-OWNER-ONLY");
    expectOk(call("reward-token", "set-minter", [Cl.principal(BOB), Cl.bool(true)], ALICE));
  });
});
