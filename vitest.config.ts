import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Two projects: `workers` runs inside workerd against the real bindings of
 * wrangler.toml (plus a test-only example actor); `e2e` runs in Node and drives a real
 * `wrangler dev` over HTTP and WebSocket, as an outside client would.
 */
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest({
            main: "./test/worker.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "test-admin-token",
                FAULT_INJECTION: "on",
                NOTIFY_WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldC0zMi1ieXRlcy1sb25n",
                // Fast saga resumes and queue retries, so recovery tests finish in seconds.
                ORDERS_RESUME_MS: "100",
                QUEUE_RETRY_BASE_MS: "0",
                // Metrics flush often, so handlers that wait on waitUntil (getQueueResult)
                // are not held for a whole second by the flush behind them.
                METRICS_FLUSH_MS: "100",
                // Fast notification retries, so the real queue reaches its DLQ in seconds.
                NOTIFY_RETRY_BASE_MS: "0",
              },
              durableObjects: {
                EXAMPLE_COUNTER: { className: "ExampleCounter", useSQLite: true },
              },
            },
          }),
        ],
        test: { name: "workers", include: ["test/**/*.test.ts"], exclude: ["test/e2e/**"] },
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
