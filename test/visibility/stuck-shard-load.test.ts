import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { InventoryShard } from "../../durable-objects";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { inventoryShard, uniqueSku } from "../workers/client";
import { sample, scrapeUntil, TEST_BUDGET_MS, VISIBLE_WITHIN_MS } from "./scrape";

/**
 * How long every write of the shard under test holds its admission slot: the runtime's
 * simulated serial work (`INVENTORY_SERVICE_TIME_MS`), longer than the whole time the test
 * looks for the load, so the command is still stuck for every scrape the test takes.
 */
const STUCK_MS = VISIBLE_WITHIN_MS + 3000;

const inFlight = (families: Awaited<ReturnType<typeof scrapeUntil>>) =>
  sample(families, FAMILIES.inFlight.name, { service: "inventory" }) ?? 0;

/**
 * A fresh incarnation of `sku`'s inventory shard (a new instance over its storage, as after
 * an eviction: a reporter that has sent nothing yet) whose writes take `STUCK_MS`.
 */
async function withStuckShard(sku: string, run: (shard: InventoryShard) => Promise<void>) {
  await runInDurableObject(inventoryShard(sku), async (_instance, state) => {
    const slow = { ...env, INVENTORY_SERVICE_TIME_MS: String(STUCK_MS) };
    await run(new InventoryShard(state, slow));
  });
}

/** Sends a write that stays stuck on `shard`: the monitor shows it in flight before it answers. */
async function expectBusyWhileStuck(shard: InventoryShard, sku: string): Promise<void> {
  let answered = false;
  const stuck = shard.call("putSku", { sku, stock: 5 }).finally(() => {
    answered = true;
  });
  const seen = await scrapeUntil((families) => inFlight(families) >= 1);
  expect(answered).toBe(false);
  expect(inFlight(seen)).toBeGreaterThanOrEqual(1);
  expect((await stuck).ok).toBe(true);
}

describe("a shard's load at the monitor", { timeout: TEST_BUDGET_MS + STUCK_MS }, () => {
  it("shows a shard whose first command is stuck as busy, and idle once it ends", async () => {
    const sku = uniqueSku("stuck-first");
    await withStuckShard(sku, async (shard) => {
      await expectBusyWhileStuck(shard, sku);
      expect(inFlight(await scrapeUntil((families) => inFlight(families) === 0))).toBe(0);
    });
  });

  it("shows a shard that was idle and then stuck on a command as busy", async () => {
    const sku = uniqueSku("stuck-later");
    await withStuckShard(sku, async (shard) => {
      // A read is not admitted: it completes at once, and the shard reports a load of 0.
      expect((await shard.call("getSku", { sku })).ok).toBe(false);
      expect(inFlight(await scrapeUntil((families) => inFlight(families) === 0))).toBe(0);
      await expectBusyWhileStuck(shard, sku);
    });
  });
});
