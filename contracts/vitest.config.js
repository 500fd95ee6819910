/// <reference types="vitest" />
import { defineConfig } from "vitest/config";
import { vitestSetupFilePath, getClarinetVitestsArgv } from "@stacks/clarinet-sdk/vitest";

// One simnet per test file, re-initialised before each test (clarinet-sdk default).
// Forks pool with a single worker: the simnet is a wasm session per worker and
// this machine has two cores shared with other builds.
export default defineConfig({
  test: {
    environment: "clarinet",
    pool: "forks",
    maxWorkers: 1,
    setupFiles: [vitestSetupFilePath],
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    // The simnet echoes every Clarity `print` as a console line ending in
    // "(contract:line)"; keep test output readable by dropping those.
    onConsoleLog: (log) => !/\([a-z0-9-]+:\d+\)\s*$/.test(log.trim()),
    hookTimeout: 120_000,
    environmentOptions: {
      clarinet: {
        ...getClarinetVitestsArgv(),
      },
    },
  },
});
