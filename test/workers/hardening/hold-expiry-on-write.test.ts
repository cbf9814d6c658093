import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { InventoryShard } from "../../../durable-objects";
import { atShard, inventoryShard, uniqueSku } from "../client";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the shard's alarm from firing, so only the commands themselves can expire holds. */
const silenceAlarm = (sku: string) =>
  runInDurableObject(inventoryShard(sku), (_instance, state) => state.storage.deleteAlarm());

describe("Holds due on a write", () => {
  it("are expired by the next write on their sku even when the alarm has not fired, after a later hold was placed first", async () => {
    const sku = uniqueSku("due");
    await atShard.putSku(sku, 100);
    await atShard.placeHold(sku, 5, 300);
    await atShard.placeHold(sku, 7, 1); // due before the one placed first
    await silenceAlarm(sku);
    await sleep(1100);
    await atShard.placeHold(sku, 1, 300);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 6, available: 94 });
  });

  it("are looked for by the first write after a restart, which knows nothing of holds it did not place", async () => {
    const sku = uniqueSku("due");
    await atShard.putSku(sku, 100); // this incarnation now knows of no active hold at all
    // A due hold in storage that this incarnation never saw (an earlier one placed it).
    await runInDurableObject(inventoryShard(sku), (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO holds (hold_id, sku, quantity, status, expires_at) VALUES (?, ?, 3, 'active', ?)",
        `h_earlier_${sku}`,
        sku,
        Date.now() - 1000,
      );
      state.storage.sql.exec("UPDATE skus SET held = held + 3 WHERE sku = ?", sku);
    });
    await runInDurableObject(inventoryShard(sku), (instance: InventoryShard) => instance.restart());
    await atShard.putSku(sku, 100);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 0, available: 100 });
    expect(await atShard.getHold(sku, `h_earlier_${sku}`)).toMatchObject({ status: "expired" });
  });
});
