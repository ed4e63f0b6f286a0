import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // tests never touch the user's ~/.wsc (job store, cluster.yaml); a test that needs its own home sets one
    env: { WSC_HOME: join(tmpdir(), `wsc-test-home-${process.pid}`) },
  },
});
