/// <reference types="vitest" />
import { defineConfig } from "vitest/config";
import { vitestSetupFilePath, getClarinetVitestsArgv } from "@stacks/clarinet-sdk/vitest";

// The simnet session is re-initialised before each test (clarinet-sdk default),
// so tests never see each other's state. One forked worker runs every file:
// the machine has two cores shared with other builds.
export default defineConfig({
  test: {
    environment: "clarinet",
    pool: "forks",
    maxWorkers: 1,
    // Reuse the worker (and the memoised simnet) across test files: each file
    // otherwise pays several seconds to load the Clarity VM.
    isolate: false,
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
