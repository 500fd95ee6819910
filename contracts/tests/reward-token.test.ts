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

  it("records balance and supply checkpoints that answer for any past block", () => {
    expectOk(call("reward-token", "set-minter", [Cl.principal(DEPLOYER), Cl.bool(true)], DEPLOYER));
    const at = (who: string, h: number) => ro("reward-token", "get-balance-at", [Cl.principal(who), Cl.uint(h)]);
    const supplyAt = (h: number) => ro("reward-token", "get-supply-at", [Cl.uint(h)]);
    const h0 = simnet.stacksBlockHeight;
    expect(at(ALICE, h0)).toBeUint(0);
    expect(supplyAt(h0)).toBeUint(0);
    // a history of 40 changes over 40 blocks (several search steps), with
    // gaps of empty blocks in between
    const history: { h: number; alice: bigint; bob: bigint; supply: bigint }[] = [];
    let a = 0n, b = 0n, sup = 0n;
    for (let i = 1; i <= 40; i++) {
      if (i % 3 === 0 && a > 0n) {
        expectOk(transfer(a / 2n, ALICE, BOB));
        b += a / 2n; a -= a / 2n;
      } else {
        mint(ALICE, BigInt(i) * DRT);
        a += BigInt(i) * DRT; sup += BigInt(i) * DRT;
      }
      history.push({ h: simnet.stacksBlockHeight, alice: a, bob: b, supply: sup });
      if (i % 7 === 0) simnet.mineEmptyBlocks(3);
    }
    const value = (h: number, k: "alice" | "bob" | "supply") => {
      let v = 0n;
      for (const e of history) if (e.h <= h) v = e[k];
      return v;
    };
    for (let h = h0 - 1; h <= simnet.stacksBlockHeight + 2; h++) {
      expect(at(ALICE, h), `alice@${h}`).toBeUint(value(h, "alice"));
      expect(at(BOB, h), `bob@${h}`).toBeUint(value(h, "bob"));
      expect(supplyAt(h), `supply@${h}`).toBeUint(value(h, "supply"));
    }
    expect(at(ALICE, simnet.stacksBlockHeight)).toBeUint(balance(ALICE));
    expect(supplyAt(simnet.stacksBlockHeight)).toBeUint(supply());
    expect(at(MALLORY, simnet.stacksBlockHeight)).toBeUint(0);
  });
});
