import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { atShard, inventoryShard, uniqueSku } from "../client";

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
    expect(await atShard.getSku(sku)).toMatchObject({ held: 2, sold: 10, available: 88 });
    await atShard.placeHold(sku, 3);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 5, sold: 10, available: 85 });
  });
});
