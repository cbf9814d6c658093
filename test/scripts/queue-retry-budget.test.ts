import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { orderRetryDelaySeconds } from "../../core/alarms";

/** A seeded PRNG (mulberry32), so the schedules below are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const config = unstable_readConfig({ config: join(import.meta.dirname, "../../wrangler.toml") });
const vars = config.vars as Record<string, string>;

describe("the orders queue's retry budget (wrangler.toml as deployed)", () => {
  it("outlasts the automatic restart of a service that went down, for at least 99 % of messages", () => {
    const consumer = config.queues.consumers?.find(
      (c: { queue: string }) => c.queue === "bulwark-orders",
    ) as { max_retries?: number } | undefined;
    const retries = consumer?.max_retries ?? 3;
    const baseMs = Number(vars.QUEUE_RETRY_BASE_MS);
    const downRecoveryMs = Number(vars.DOWN_RECOVERY_MS);
    // The cron that restarts a service DOWN_RECOVERY_MS after it went down fires every minute.
    expect(config.triggers.crons).toContain("* * * * *");
    const recoveredWithinMs = downRecoveryMs + 60_000;
    // Every delivery to a stopped service is refused `service-unavailable`, with no hint.
    const random = seeded(42);
    const runs = 20_000;
    let outlasted = 0;
    for (let run = 0; run < runs; run++) {
      let waitedMs = 0;
      for (let attempts = 1; attempts <= retries; attempts++) {
        waitedMs += orderRetryDelaySeconds(attempts, baseMs, 0, random) * 1000;
      }
      if (waitedMs > recoveredWithinMs) outlasted++;
    }
    expect(outlasted / runs).toBeGreaterThanOrEqual(0.99);
  });
});
