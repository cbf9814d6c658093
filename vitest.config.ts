import { existsSync, readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { isExpectedNoise, silenceExpectedOutput } from "./test/config/quiet.ts";
import { dotenvKeys, pinnedBindings } from "./test/config/test-bindings.ts";

// A green run prints only what means something (test/config/quiet.ts).
silenceExpectedOutput(process.stdout);
silenceExpectedOutput(process.stderr);

/** Keys of the local settings files the pool would otherwise read into the tests' env. */
const localKeys = [".dev.vars", ".env"].flatMap((file) =>
  existsSync(file) ? dotenvKeys(readFileSync(file, "utf8")) : [],
);

/**
 * The workers tests' bindings: every `wrangler.toml` var at its committed value, then the
 * test values below. Nothing comes from `.dev.vars` (test/config/test-bindings.ts).
 */
const wrangler = unstable_readConfig({ config: "./wrangler.toml" });
const workerBindings = pinnedBindings(
  wrangler.vars,
  {
    ADMIN_TOKEN: "test-admin-token",
    FAULT_INJECTION: "on",
    NOTIFY_WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25n",
    // Fast saga resumes and queue retries, so recovery tests finish in seconds.
    ORDERS_RESUME_MS: "100",
    QUEUE_RETRY_BASE_MS: "0",
    // Metrics flush often, so handlers that wait on waitUntil (getQueueResult) are not held
    // for a whole second by the flush behind them.
    METRICS_FLUSH_MS: "100",
    // Fast notification retries, so the real queue reaches its DLQ in seconds.
    NOTIFY_RETRY_BASE_MS: "0",
    // Skus the hot-SKU tests create under this prefix are spread over 3 sub-shards.
    HOT_SKUS: "flash-rule-*=3",
  },
  localKeys,
);

/**
 * Two projects: `workers` runs inside workerd against the real bindings of
 * wrangler.toml (plus a test-only example actor); `e2e` runs in Node and drives a real
 * `wrangler dev` over HTTP and WebSocket, as an outside client would.
 */
export default defineConfig({
  test: {
    onConsoleLog: (log) => (isExpectedNoise(log) ? false : undefined),
    projects: [
      {
        plugins: [
          cloudflareTest({
            main: "./test/worker.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...workerBindings,
                TEST_PINNED_VARS: JSON.stringify(workerBindings),
                // Queue consumers' settings, so tests derive their budgets from them.
                TEST_QUEUE_CONSUMERS: JSON.stringify(wrangler.queues.consumers ?? []),
              },
              durableObjects: {
                EXAMPLE_COUNTER: { className: "ExampleCounter", useSQLite: true },
                EXAMPLE_ENTITY: { className: "ExampleEntity", useSQLite: true },
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          // A ceiling, not a measurement: crash and restart paths take seconds on a loaded
          // 2-core machine, and no test may fail for that.
          testTimeout: 30_000,
          exclude: ["test/e2e/**", "test/scripts/**"],
        },
      },
      {
        // The Node scripts behind npm start / npm test / npm run demo, and the test config.
        test: { name: "scripts", include: ["test/scripts/**/*.test.ts"], environment: "node" },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 90_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
