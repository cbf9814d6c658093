import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../core/http";
import { ShardRouter } from "../../../durable-objects";
import { loadLimits } from "../../../durable-objects/limits/config";
import { RetentionSchedule } from "../../../durable-objects/retention/schedule";
import { orderIdOf } from "../../../workers/routes/orders";
import { atShard, eventually, inventoryShard, uniqueSku } from "../client";

const router = new ShardRouter(env);
const retention = loadLimits(env).retention;
/** Later than every window: what the shard's clock reads once finished rows are old enough. */
const aged = () =>
  Date.now() + Math.max(retention.holdsMs, retention.eventsMs, retention.ordersMs) + 1;

function ordersShardOf(orderId: string) {
  const { name } = router.locate("orders", orderId);
  return env.ORDERS.get(env.ORDERS.idFromName(name));
}

const rowsIn = (stub: DurableObjectStub, table: string) =>
  runInDurableObject(stub, (_instance, state) => ({
    rows: state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n,
    bytes: state.storage.sql.databaseSize,
  }));

/** `count` idempotency keys whose orders all live on the same orders shard. */
async function keysOnOneShard(count: number, shard: string): Promise<string[]> {
  const keys: string[] = [];
  while (keys.length < count) {
    const key = uniqueSku("ret-key");
    if (router.locate("orders", await orderIdOf(key)).name === shard) keys.push(key);
  }
  return keys;
}

async function placeOrder(key: string, items: { sku: string; quantity: number }[]) {
  const orderId = await orderIdOf(key);
  return router.orders(orderId).call("placeOrder", {
    orderId,
    items,
    fingerprint: canonicalJson(items),
  });
}

describe("Retention", () => {
  it("writes nothing durable for the skus of an order that do not exist", async () => {
    const unknown = Array.from({ length: 50 }, () => uniqueSku("ghost"));
    const placed = await placeOrder(
      uniqueSku("key"),
      unknown.map((sku) => ({ sku, quantity: 1 })),
    );
    expect(placed).toMatchObject({ ok: true, value: { status: "rejected", reason: "not-found" } });
    let rows = 0;
    for (const sku of unknown) {
      rows += await runInDurableObject(
        inventoryShard(sku),
        (_i, state) =>
          state.storage.sql
            .exec<{ n: number }>("SELECT COUNT(*) AS n FROM holds WHERE sku = ?", sku)
            .one().n,
      );
    }
    expect(rows).toBe(0);
  });

  it("arms the retention timer when a row finishes", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 5);
    const hold = await atShard.placeHold(sku, 1);
    await router.inventory(sku).call("releaseHold", { sku, holdId: hold.holdId });
    const due = await runInDurableObject(inventoryShard(sku), (_i, state) =>
      state.storage.sql
        .exec<{ due: number }>("SELECT due FROM _bulwark_timers WHERE name = 'retention:'")
        .toArray(),
    );
    expect(due).toHaveLength(1);
    expect(due[0]?.due).toBeGreaterThan(Date.now());
  });

  it("purges on its timer, then sleeps until the oldest finished row is due instead of spinning", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 5);
    const hold = await atShard.placeHold(sku, 1, 60);
    await router.inventory(sku).call("releaseHold", { sku, holdId: hold.holdId });
    const shard = inventoryShard(sku);
    await runInDurableObject(shard, async (_i, state) => {
      state.storage.sql.exec(
        "UPDATE _bulwark_timers SET due = ? WHERE name = 'retention:'",
        Date.now() - 1,
      );
      await state.storage.setAlarm(Date.now());
    });
    // The alarm is in the past, so the platform fires it at once; wait for the reschedule.
    const readDue = () =>
      runInDurableObject(
        shard,
        (_i, state) =>
          state.storage.sql
            .exec<{ due: number }>("SELECT due FROM _bulwark_timers WHERE name = 'retention:'")
            .one().due,
      );
    const next = await eventually(readDue, (due) => due > Date.now());
    const oldestDue = Date.parse(hold.expiresAt) + retention.holdsMs;
    expect(next).toBeGreaterThanOrEqual(oldestDue);
    expect(next).toBeLessThanOrEqual(oldestDue + retention.intervalMs + 1000);
    expect(await atShard.getHold(sku, hold.holdId)).toMatchObject({ status: "released" });
  });

  it("after a full batch purges the next within 100 ms: faster than a shard can finish rows", () => {
    const due = new Map<string, number>();
    const timers = {
      schedule: (name: string, at: number) => void due.set(name, at),
      dueAt: (name: string) => due.get(name) ?? null,
    };
    const schedule = new RetentionSchedule(timers, retention);
    const now = Date.now();
    schedule.ran({ purged: retention.batch, nextDueAt: now - 1 }, now);
    const next = (due.get(RetentionSchedule.TIMER) ?? 0) - now;
    expect(next).toBeLessThanOrEqual(100);
    // At that pace a backlog drains at batch × 10 rows/s: above the 1,000 writes/s admitted.
    expect((retention.batch * 1000) / next).toBeGreaterThanOrEqual(1000);
    schedule.ran({ purged: 1, nextDueAt: null }, now);
    schedule.ran({ purged: 1, nextDueAt: now + 10 }, now);
    expect((due.get(RetentionSchedule.TIMER) ?? 0) - now).toBeGreaterThanOrEqual(1000);
  });

  it("keeps storage per shard level under a steady workload of holds, events and orders", async () => {
    const sku = uniqueSku("steady");
    await atShard.putSku(sku, 1_000_000);
    const inventory = inventoryShard(sku);
    const orderKeys = await keysOnOneShard(18, "orders-0");
    const orders = ordersShardOf(await orderIdOf(orderKeys[0] ?? ""));
    const perRound: { holds: number; events: number; orders: number; bytes: number }[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 6; i++) {
        const hold = await atShard.placeHold(sku, 1);
        const command = i % 2 === 0 ? "confirmHold" : "releaseHold";
        await router.inventory(sku).call(command, { sku, holdId: hold.holdId });
      }
      for (const key of orderKeys.slice(round * 3, round * 3 + 3)) {
        expect(await placeOrder(key, [{ sku, quantity: 1 }])).toMatchObject({ ok: true });
      }
      // Stock events come from depletions: empty the sku and fill it again.
      const view = await atShard.getSku(sku);
      if (typeof view === "string") throw new Error(view);
      await atShard.putSku(sku, view.held + view.sold);
      await atShard.putSku(sku, 1_000_000);
      // The clock moves past every window: what finished is due for purging.
      const clock = aged();
      await runInDurableObject(inventory, (shard) => shard.purgeFinished(clock));
      await runInDurableObject(orders, (shard) => shard.purgeFinished(clock));
      const holds = await rowsIn(inventory, "holds");
      perRound.push({
        holds: holds.rows,
        events: (await rowsIn(inventory, "stock_events")).rows,
        orders: (await rowsIn(orders, "orders")).rows,
        bytes: holds.bytes,
      });
    }
    // Only rows not yet finished survive a purge: the counts stay flat round after round.
    const last = perRound.at(-1);
    const third = perRound[2];
    expect(last?.holds).toBeLessThanOrEqual(third?.holds ?? 0);
    expect(last?.events).toBeLessThanOrEqual(third?.events ?? 0);
    expect(last?.orders).toBeLessThanOrEqual(third?.orders ?? 0);
    expect(last?.bytes).toBeLessThanOrEqual(third?.bytes ?? 0);
    expect(last).toMatchObject({ holds: 0, events: 0, orders: 0 });
  }, 60_000);
});
