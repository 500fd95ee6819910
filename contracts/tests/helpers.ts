// Shared helpers for the simnet tests.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { Cl, ClarityType, ClarityValue, cvToString } from "@stacks/transactions";

export const ROOT = process.cwd();

const accounts = simnet.getAccounts();
export const DEPLOYER = accounts.get("deployer")!;
export const OPERATOR = accounts.get("wallet_1")!;
export const ORACLE = accounts.get("wallet_2")!;
export const ALICE = accounts.get("wallet_3")!;
export const BOB = accounts.get("wallet_4")!;
export const CAROL = accounts.get("wallet_5")!;
export const DAVE = accounts.get("wallet_6")!;
export const MALLORY = accounts.get("wallet_7")!;
export const VOTER = accounts.get("wallet_8")!;
export const FAUCET = accounts.get("faucet")!; // holds STX only, never DRT

export const CONTRACTS = [
  "user-registry",
  "reward-token",
  "event-manager",
  "commitment",
  "data-oracle",
  "verification-engine",
  "reward-distributor",
  "governance-dao",
] as const;
export type ContractName = (typeof CONTRACTS)[number];

export const cid = (name: string) => `${DEPLOYER}.${name}`;
export const DISTRIBUTOR = cid("reward-distributor");
export const TREASURY = cid("governance-dao");

// Token amounts (6 decimals).
export const DRT = 1_000_000n;

// --------------------------------------------------------------------------
// Error codes, read from the contracts' `(define-constant ERR-X (err uN))`.
// --------------------------------------------------------------------------

export function readErrorCodes(): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const name of CONTRACTS) {
    const src = readFileSync(join(ROOT, "contracts", `${name}.clar`), "utf8");
    out[name] = {};
    for (const m of src.matchAll(/\(define-constant (ERR-[A-Z0-9-]+) \(err u(\d+)\)\)/g)) {
      out[name][m[1]] = Number(m[2]);
    }
  }
  return out;
}
export const ERRORS = readErrorCodes();

export function errCode(contract: ContractName, name: string): number {
  const code = ERRORS[contract]?.[name];
  if (code === undefined) throw new Error(`unknown error ${contract}/${name}`);
  return code;
}

type TxResult = { result: ClarityValue; events: any[] };

/** Asserts that a call was refused with the named error of `contract`. */
export function expectErr(res: TxResult, contract: ContractName, name: string) {
  expect(res.result).toBeErr(Cl.uint(errCode(contract, name)));
}

export function expectOk(res: TxResult, value: ClarityValue = Cl.bool(true)) {
  expect(res.result).toBeOk(value);
}

/** Asserts an (ok ...) result whatever its value. */
export function expectOkAny(res: TxResult) {
  if (res.result.type !== ClarityType.ResponseOk) {
    throw new Error(`expected (ok ...), got ${cvToString(res.result)}`);
  }
}

// --------------------------------------------------------------------------
// Print events
// --------------------------------------------------------------------------

export type Printed = { contract: string; value: ClarityValue; hex: string; repr: string };

export function prints(res: TxResult): Printed[] {
  return res.events
    .filter((e) => e.event === "print_event")
    .map((e) => ({
      contract: String(e.data.contract_identifier).split(".")[1],
      value: e.data.value as ClarityValue,
      hex: e.data.raw_value as string,
      repr: cvToString(e.data.value),
    }));
}

/** The single print event of a call, checked against its expected tuple and its hex. */
export function expectPrint(res: TxResult, expected: Record<string, ClarityValue>, index = 0): Printed {
  const all = prints(res);
  expect(all.length).toBeGreaterThan(index);
  const p = all[index];
  const tuple = Cl.tuple(expected);
  expect(p.value).toStrictEqual(tuple);
  expect(p.hex).toBe("0x" + Cl.serialize(tuple));
  return p;
}

/** Plain JSON of a Clarity value: uints/ints as decimal strings, buffers as 0x-hex, none as null. */
export function toPlain(cv: ClarityValue): unknown {
  switch (cv.type) {
    case ClarityType.UInt:
    case ClarityType.Int:
      return BigInt(cv.value).toString();
    case ClarityType.BoolTrue:
      return true;
    case ClarityType.BoolFalse:
      return false;
    case ClarityType.Buffer:
      return "0x" + cv.value;
    case ClarityType.StringASCII:
    case ClarityType.StringUTF8:
      return cv.value;
    case ClarityType.PrincipalStandard:
    case ClarityType.PrincipalContract:
      return cv.value;
    case ClarityType.OptionalNone:
      return null;
    case ClarityType.OptionalSome:
      return toPlain(cv.value);
    case ClarityType.ResponseOk:
      return { ok: toPlain(cv.value) };
    case ClarityType.ResponseErr:
      return { err: toPlain(cv.value) };
    case ClarityType.List:
      return cv.value.map(toPlain);
    case ClarityType.Tuple: {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(cv.value).sort()) out[k] = toPlain(cv.value[k]);
      return out;
    }
  }
  throw new Error(`unsupported clarity type ${(cv as any).type}`);
}

// --------------------------------------------------------------------------
// Calls
// --------------------------------------------------------------------------

export const call = (contract: string, fn: string, args: ClarityValue[], sender: string) =>
  simnet.callPublicFn(contract, fn, args, sender);

export const ro = (contract: string, fn: string, args: ClarityValue[], sender = DEPLOYER) =>
  simnet.callReadOnlyFn(contract, fn, args, sender).result;

export const deviceHash = (identity: string) => createHash("sha256").update(identity).digest();

export const dataHash = (readings: string) => createHash("sha256").update(readings).digest();

export function balance(who: string): bigint {
  const r = ro("reward-token", "get-balance", [Cl.principal(who)]);
  if (r.type !== ClarityType.ResponseOk || r.value.type !== ClarityType.UInt) throw new Error("bad balance");
  return BigInt(r.value.value);
}

export function supply(): bigint {
  const r = ro("reward-token", "get-total-supply", []);
  if (r.type !== ClarityType.ResponseOk || r.value.type !== ClarityType.UInt) throw new Error("bad supply");
  return BigInt(r.value.value);
}

export function mint(to: string, amount: bigint) {
  expectOk(call("reward-token", "mint", [Cl.uint(amount), Cl.principal(to)], DEPLOYER));
}

/** Owner setup: deployer may mint (test faucet), OPERATOR is an operator, ORACLE an oracle. */
export function bootstrap({ fund = true } = {}) {
  expectOk(call("reward-token", "set-minter", [Cl.principal(DEPLOYER), Cl.bool(true)], DEPLOYER));
  expectOk(call("event-manager", "add-operator", [Cl.principal(OPERATOR)], DEPLOYER));
  expectOk(call("data-oracle", "add-oracle", [Cl.principal(ORACLE)], DEPLOYER));
  if (fund) {
    mint(OPERATOR, 1_000n * DRT);
    for (const u of [ALICE, BOB, CAROL, DAVE, MALLORY]) mint(u, 100n * DRT);
  }
}

export function registerWithDevice(user: string, venName = `ven-${user.slice(-6)}`) {
  expectOk(call("user-registry", "register-user", [], user));
  expectOk(call("user-registry", "link-device", [Cl.buffer(deviceHash(venName))], user));
}

export type EventArgs = { start?: bigint; duration?: bigint; targetKw?: bigint; level?: bigint; pool?: bigint };
export const EVENT_START = 1_767_261_600n; // 2026-01-01T10:00:00Z
// The simnet's block time starts at the wall clock and grows 600 s a block, so
// EVENT_START events are long past their grace (anyone may end or cancel them);
// FUTURE_START events are not, for the tests of the operator-only window.
export const FUTURE_START = 2_051_172_000n; // 2035-01-01T10:00:00Z
export const GRACE_PERIOD = 86_400n; // event-manager GRACE-PERIOD, seconds
export const MAX_REWARD_POOL = 10n ** 24n; // event-manager MAX-REWARD-POOL
export const MAX_WH = 10n ** 15n; // data-oracle MAX-WH
export const VERIFICATION_WINDOW = 144; // verification-engine, blocks

/** event-manager's chain time (Unix seconds). */
export function chainTime(): bigint {
  return BigInt((simnet.callReadOnlyFn("event-manager", "get-chain-time", [], DEPLOYER).result as any).value);
}

export function eventArgs(a: EventArgs = {}): ClarityValue[] {
  return [
    Cl.uint(a.start ?? EVENT_START),
    Cl.uint(a.duration ?? 3600n),
    Cl.uint(a.targetKw ?? 500n),
    Cl.uint(a.level ?? 2n),
    Cl.uint(a.pool ?? 100n * DRT),
  ];
}

export function createEvent(a: EventArgs = {}, operator = OPERATOR): bigint {
  const res = call("event-manager", "create-event", eventArgs(a), operator);
  expect(res.result.type).toBe(ClarityType.ResponseOk);
  return BigInt((res.result as any).value.value);
}

export function commit(user: string, eventId: bigint, pct: bigint, stake: bigint) {
  expectOk(call("commitment", "commit", [Cl.uint(eventId), Cl.uint(pct), Cl.uint(stake)], user));
}

export const startEvent = (id: bigint, op = OPERATOR) => expectOk(call("event-manager", "start-event", [Cl.uint(id)], op));
export const endEvent = (id: bigint, op = OPERATOR) => expectOk(call("event-manager", "end-event", [Cl.uint(id)], op));

export function submitReading(id: bigint, user: string, baseline: bigint, actual: bigint, hash = dataHash(`${id}:${user}`)) {
  return call(
    "data-oracle",
    "submit-reading",
    [Cl.uint(id), Cl.principal(user), Cl.uint(baseline), Cl.uint(actual), Cl.buffer(hash)],
    ORACLE,
  );
}

export function readingEntry(id: bigint, user: string, baseline: bigint, actual: bigint, hash = dataHash(`${id}:${user}`)) {
  return Cl.tuple({
    "actual-wh": Cl.uint(actual),
    "baseline-wh": Cl.uint(baseline),
    "data-hash": Cl.buffer(hash),
    "event-id": Cl.uint(id),
    user: Cl.principal(user),
  });
}

export const verify = (id: bigint, user: string, sender = DEPLOYER) =>
  call("verification-engine", "verify-participant", [Cl.uint(id), Cl.principal(user)], sender);

/** Tuple of an event-manager record as `get-event` returns it and prints carry. */
export function eventRecord(fields: {
  operator?: string;
  start?: bigint;
  duration?: bigint;
  targetKw?: bigint;
  level?: bigint;
  pool?: bigint;
  status: string;
  penaltyRate?: bigint;
  threshold?: bigint;
  multiplier?: bigint;
  minStake?: bigint;
  createdAt: number;
  endedAt?: number;
}): Record<string, ClarityValue> {
  return {
    operator: Cl.principal(fields.operator ?? OPERATOR),
    start: Cl.uint(fields.start ?? EVENT_START),
    duration: Cl.uint(fields.duration ?? 3600n),
    "target-reduction-kw": Cl.uint(fields.targetKw ?? 500n),
    "signal-level": Cl.uint(fields.level ?? 2n),
    "reward-pool": Cl.uint(fields.pool ?? 100n * DRT),
    status: Cl.stringAscii(fields.status),
    "penalty-rate": Cl.uint(fields.penaltyRate ?? 50n),
    "verification-threshold": Cl.uint(fields.threshold ?? 80n),
    "reward-multiplier": Cl.uint(fields.multiplier ?? 100n),
    "min-stake": Cl.uint(fields.minStake ?? DRT),
    "created-at": Cl.uint(fields.createdAt),
    "ended-at": Cl.uint(fields.endedAt ?? 0),
  };
}

/** Lists the test sources, for the meta-tests. */
export function testSources(): string[] {
  const dir = join(ROOT, "tests");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(join(dir, f), "utf8"));
}

export type Pledge = { user: string; pct: bigint; stake: bigint };

/** An event with the given pledges, taken up to `until` ("created", "active" or "ended"). */
export function eventWith(pledges: Pledge[], until: "created" | "active" | "ended" = "ended", a: EventArgs = {}): bigint {
  for (const p of pledges) {
    if (!simnet.callReadOnlyFn("user-registry", "is-registered", [Cl.principal(p.user)], DEPLOYER).result.type.includes("true")) {
      registerWithDevice(p.user);
    }
  }
  const id = createEvent(a);
  for (const p of pledges) commit(p.user, id, p.pct, p.stake);
  if (until === "created") return id;
  startEvent(id);
  if (until === "active") return id;
  endEvent(id);
  return id;
}
