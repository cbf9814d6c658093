import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { canonicalJson } from "../../core/http";
import { ShardRouter } from "../../durable-objects";
import { holdIdOf } from "../../durable-objects/orders/saga";
import { orderIdOf } from "../../workers/routes/orders";
import { linesOf } from "../log-lines";
import {
  atShard,
  eventually,
  expectProblem,
  getSku,
  http,
  injectFault,
  placeOrder,
  putSku,
  uniqueSku,
} from "./client";

afterEach(async () => {
  vi.restoreAllMocks();
  await http("DELETE", "/v1/ops/faults", { admin: true });
});

describe("Retrying an order with the same key", () => {
  it("answers 202 with the current view while the order is still queued", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const key = uniqueSku("key");
    const items = [{ sku, quantity: 1 }];
    const orderId = await orderIdOf(key);
    // Recorded at intake and not handed to the queue: it stays queued for this test.
    const intake = await new ShardRouter(env)
      .orders(orderId)
      .call("enqueueOrder", { orderId, items, fingerprint: canonicalJson(items) });
    expect(intake).toMatchObject({ ok: true, value: { created: true } });
    const retry = await placeOrder(key, items);
    expect(retry.status).toBe(202);
    expect(retry.headers.get("Location")).toBe(`/v1/orders/${orderId}`);
    expect(retry.json).toMatchObject({ orderId, status: "queued", items });
    expect(await getSku(sku)).toMatchObject({ held: 0, sold: 0 });
  });

  it("answers 202 with the current view while the order is pending, and creates nothing more", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const key = uniqueSku("key");
    // The inventory shard refuses new holds for load: the saga must wait (pending).
    await injectFault({ service: "inventory", sku, kind: "overload", count: 1000 });
    const first = await placeOrder(key, [{ sku, quantity: 1 }]);
    expect(first.status).toBe(202);
    expect(first.json.status).toBe("pending");
    const retry = await placeOrder(key, [{ sku, quantity: 1 }]);
    expect(retry.status).toBe(202);
    expect(retry.json).toMatchObject({ orderId: first.json.orderId, status: "pending" });
    await http("DELETE", "/v1/ops/faults", { admin: true });
    const done = await eventually(
      () => http("GET", `/v1/orders/${first.json.orderId}`),
      (r) => r.json.status === "confirmed",
    );
    expect(done.json.status).toBe("confirmed");
    expect(await getSku(sku)).toMatchObject({ sold: 1, held: 0 });
  });

  it("starts afresh after a 503: the refused attempt created nothing", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "overload", count: 1 });
    expectProblem(await placeOrder(key, [{ sku, quantity: 2 }]), 503, "overloaded");
    expectProblem(await http("GET", `/v1/orders/${orderId}`), 404, "not-found");
    const retry = await placeOrder(key, [{ sku, quantity: 2 }]);
    expect(retry.status).toBe(201);
    expect(retry.json).toMatchObject({ orderId, status: "confirmed" });
    expect(await getSku(sku)).toMatchObject({ sold: 2, held: 0 });
  });
});

/** Two skus on different inventory shards. */
function skusOnTwoShards(): [string, string] {
  const router = new ShardRouter(env);
  const a = uniqueSku("conf-a");
  for (;;) {
    const b = uniqueSku("conf-b");
    if (router.locate("inventory", b).index !== router.locate("inventory", a).index) return [a, b];
  }
}

describe("A saga whose confirmation is refused", () => {
  it("is compensated and rejected with reason hold-expired, leaving nothing held or sold", async () => {
    const [a, b] = skusOnTwoShards();
    await putSku(a, 5);
    await putSku(b, 5);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    const holdA = holdIdOf(orderId, a);
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    // b's hold is slow, so the saga is still acquiring when a's hold is already placed: a's
    // hold is taken away in that window, as an expiry would, before the saga confirms it.
    await injectFault({ service: "inventory", sku: b, kind: "latency", ms: 5000, count: 1 });
    const placing = placeOrder(key, [
      { sku: a, quantity: 1 },
      { sku: b, quantity: 1 },
    ]);
    await eventually(
      () => atShard.getHold(a, holdA),
      (h) => typeof h !== "string" && h.status === "active",
    );
    const released = await new ShardRouter(env)
      .inventory(a)
      .call("releaseHold", { sku: a, holdId: holdA }, { reserved: true });
    expect(released).toMatchObject({ ok: true, value: { status: "released" } });
    // The window was real: b's hold had not been placed yet when a's was taken away.
    expect(await atShard.getHold(b, holdIdOf(orderId, b))).toBe("not-found");
    const r = await placing;
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ orderId, status: "rejected", reason: "hold-expired" });
    expect(await getSku(a)).toMatchObject({ held: 0, sold: 0 });
    expect(await getSku(b)).toMatchObject({ held: 0, sold: 0 });
    expect(linesOf(logged)).toContainEqual(
      expect.objectContaining({
        event: "order-confirmation-refused",
        orderId,
        code: "hold-not-active",
      }),
    );
  });
});
