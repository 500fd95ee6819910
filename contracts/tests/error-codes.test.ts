// Meta-checks on the error codes: one distinct range per contract, every code
// documented in README.md, and every code asserted by some test (except the
// defensive ones listed below, unreachable by construction).
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTRACTS, ERRORS, ROOT, testSources } from "./helpers";

const RANGES: Record<string, [number, number]> = {
  "user-registry": [100, 199],
  "reward-token": [200, 299],
  "event-manager": [300, 399],
  commitment: [400, 499],
  "data-oracle": [500, 599],
  "verification-engine": [600, 699],
  "reward-distributor": [700, 799],
  "governance-dao": [800, 899],
};

// Guards that cannot fire unless an invariant is already broken; the
// property-based checks cover the invariant instead.
const UNREACHABLE = new Set(["reward-distributor/ERR-POOL-EXHAUSTED"]);

describe("error codes", () => {
  it("are distinct and inside each contract's range", () => {
    const seen = new Map<number, string>();
    for (const c of CONTRACTS) {
      const codes = Object.entries(ERRORS[c]);
      expect(codes.length, c).toBeGreaterThan(0);
      for (const [name, code] of codes) {
        expect(code, `${c}/${name}`).toBeGreaterThanOrEqual(RANGES[c][0]);
        expect(code, `${c}/${name}`).toBeLessThanOrEqual(RANGES[c][1]);
        expect(seen.get(code), `u${code} used twice`).toBeUndefined();
        seen.set(code, `${c}/${name}`);
      }
    }
  });

  it("are all documented in README.md", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const c of CONTRACTS) {
      for (const [name, code] of Object.entries(ERRORS[c])) {
        expect(readme, `${c}/${name}`).toMatch(new RegExp(`\\|\\s*u${code}\\s*\\|\\s*\`${name}\``));
      }
    }
  });

  it("are all asserted by a test", () => {
    const asserted = new Set<string>();
    for (const src of testSources()) {
      for (const m of src.matchAll(/expectErr\([^;]*?,\s*"([a-z-]+)",\s*"(ERR-[A-Z-]+)"\)/gs)) {
        asserted.add(`${m[1]}/${m[2]}`);
      }
    }
    const missing = CONTRACTS.flatMap((c) => Object.keys(ERRORS[c]).map((n) => `${c}/${n}`)).filter(
      (k) => !asserted.has(k) && !UNREACHABLE.has(k),
    );
    expect(missing).toEqual([]);
  });
});

describe("README.md", () => {
  it("documents every public and read-only function", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const c of [...CONTRACTS]) {
      const src = readFileSync(join(ROOT, "contracts", `${c}.clar`), "utf8");
      for (const m of src.matchAll(/\(define-(public|read-only) \(([a-z0-9-]+)/g)) {
        expect(readme, `${c}.${m[2]}`).toContain(`\`${m[2]}`);
      }
    }
  });

  it("documents every print event", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const fixtures = JSON.parse(readFileSync(join(ROOT, "fixtures", "print-events.json"), "utf8")) as { event: string }[];
    for (const e of new Set(fixtures.map((f) => f.event))) expect(readme, e).toContain(`"${e}"`);
  });
});
