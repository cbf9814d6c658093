import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { stockFeedRelay } from "../../../durable-objects/stock-feed/address";
import { atShard, inventoryShard, uniqueSku } from "../client";

const holdRows = (sku: string) =>
  runInDurableObject(
    inventoryShard(sku),
    (_instance, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT COUNT(*) AS n FROM holds WHERE sku = ?", sku)
        .one().n,
  );

describe("Sku rows in the shard's memory", () => {
  it("never overwrite a stored row they disagree with: the write fails, the incarnation crashes, the next one reads storage", async () => {
    const sku = uniqueSku("memory");
    await atShard.putSku(sku, 100);
    await atShard.placeHold(sku, 2); // the shard now knows the row: held 2, sold 0
    // Storage moves on behind the shard's back, as a bug would make it: 10 units sold.
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      state.storage.sql.exec(
        "UPDATE skus SET sold = sold + 10, version = version + 1 WHERE sku = ?",
        sku,
      );
    });
    const refused = await inventoryShard(sku).call("placeHold", {
      sku,
      quantity: 3,
      ttlSeconds: 300,
    });
    expect(refused).toMatchObject({ ok: false, code: "internal-error" });
    // Nothing of the failed write committed (its hold row included), and the sold units
    // were not overwritten by the counts in memory.
    expect(await holdRows(sku)).toBe(1);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 2, sold: 10, available: 88 });
    await atShard.placeHold(sku, 3);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 5, sold: 10, available: 85 });
  });

  it("forget a crashed command's write before anything else reads them: the stock feed publishes only what storage holds", async () => {
    const sku = uniqueSku("memory-crash");
    await atShard.putSku(sku, 100);
    await atShard.placeHold(sku, 2);
    const stored = (await atShard.getSku(sku)) as { version: number };
    const shard = inventoryShard(sku);
    // The next command crashes after its handler ran: its sku write is rolled back.
    await shard.injectFault({ kind: "crash", count: 1, ms: 0, step: 1 });
    const crashed = await shard.call("placeHold", { sku, quantity: 3, ttlSeconds: 300 });
    expect(crashed).toMatchObject({ ok: false, code: "internal-error" });
    // Before any message starts a new incarnation, the feed reads the sku (a listener came
    // back) and publishes it to the sku's relay.
    await shard.feedListening(sku);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stockFeedRelay(env.STOCK_FEED, sku).latestVersion()).toBe(stored.version);
  });
});
