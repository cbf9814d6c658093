import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../core/http";
import { ShardRouter } from "../../../durable-objects";
import { orderIdOf } from "../../../workers/routes/orders";
import { atShard, http, injectFault, placeOrder, uniqueSku } from "../client";
import { committingThenThrowing, edgeWith, refusingCommand, refusingQueue } from "./fault-points";

describe("The shed path when its undo fails", () => {
  it("answers the queued order (202), not a 503, when the queue refused and the withdrawal failed", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "overload", count: 1 });
    const r = await edgeWith(
      { ORDERS_QUEUE: refusingQueue, ORDERS: refusingCommand(env.ORDERS, "withdrawQueued") },
      "POST",
      "/v1/orders",
      {
        body: { items: [{ sku, quantity: 1 }] },
        headers: { "Idempotency-Key": key, Prefer: "respond-async" },
      },
    );
    // The order exists (its intake timer will run it): a 503 "created nothing" would be false.
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ orderId, status: "queued" });
    expect((await http("GET", `/v1/orders/${orderId}`)).json).toMatchObject({ status: "queued" });
  });
});

describe("The shed path's withdrawal when a retry was already answered", () => {
  it("keeps a queued order another request was answered 202 for: the recording request cannot withdraw it", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const items = [{ sku, quantity: 1 }];
    const orderId = await orderIdOf(key);
    const shard = new ShardRouter(env).orders(orderId);
    // Request A records the order at intake (its queue send is still to come)…
    const intake = await shard.call("enqueueOrder", {
      orderId,
      items,
      fingerprint: canonicalJson(items),
    });
    expect(intake).toMatchObject({ ok: true, value: { created: true } });
    // …a retry B of the same key is answered 202 with it…
    expect((await placeOrder(key, items)).status).toBe(202);
    // …and A's queue send fails: its withdrawal must not take B's order away.
    expect(await shard.call("withdrawQueued", { orderId })).toMatchObject({
      ok: true,
      value: { withdrawn: false },
    });
    expect((await http("GET", `/v1/orders/${orderId}`)).json).toMatchObject({ status: "queued" });
  });

  it("still withdraws an order nobody else was answered for", async () => {
    const key = uniqueSku("key");
    const items = [{ sku: uniqueSku(), quantity: 1 }];
    const orderId = await orderIdOf(key);
    const shard = new ShardRouter(env).orders(orderId);
    await shard.call("enqueueOrder", { orderId, items, fingerprint: canonicalJson(items) });
    expect(await shard.call("withdrawQueued", { orderId })).toMatchObject({
      ok: true,
      value: { withdrawn: true },
    });
    expect((await http("GET", `/v1/orders/${orderId}`)).status).toBe(404);
  });
});

describe("The shed path when recording the queued order has an unknown effect", () => {
  /** Places an order the orders shard sheds (overload), with `ORDERS` replaced by `orders`. */
  async function shedWith(orders: (real: typeof env.ORDERS) => typeof env.ORDERS) {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "overload", count: 1 });
    const r = await edgeWith({ ORDERS: orders(env.ORDERS) }, "POST", "/v1/orders", {
      body: { items: [{ sku, quantity: 1 }] },
      headers: { "Idempotency-Key": key, Prefer: "respond-async" },
    });
    return { orderId, r };
  }

  it("answers the recorded order (202), not a 503, when enqueueOrder committed and then threw", async () => {
    const { orderId, r } = await shedWith((real) => committingThenThrowing(real, "enqueueOrder"));
    expect(r.status).toBe(202);
    expect(r.headers.get("Location")).toBe(`/v1/orders/${orderId}`);
    expect(r.json).toMatchObject({ orderId, status: "queued" });
    expect((await http("GET", `/v1/orders/${orderId}`)).json).toMatchObject({ status: "queued" });
  });

  it("answers 503 (retry with the same key), never a made-up 202, when the order cannot be read back either", async () => {
    const { orderId, r } = await shedWith((real) =>
      refusingCommand(refusingCommand(real, "enqueueOrder"), "getOrder"),
    );
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ code: "service-unavailable" });
    expect(String(r.json.detail)).toContain("same Idempotency-Key");
    expect(Number(r.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect((await http("GET", `/v1/orders/${orderId}`)).status).toBe(404);
  });

  it("keeps the 503 when enqueueOrder threw and reading the order back finds nothing", async () => {
    const { orderId, r } = await shedWith((real) => refusingCommand(real, "enqueueOrder"));
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ code: "overloaded" });
    expect((await http("GET", `/v1/orders/${orderId}`)).status).toBe(404);
  });
});
