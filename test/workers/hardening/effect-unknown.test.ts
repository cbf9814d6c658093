import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { orderIdOf } from "../../../workers/routes/orders";
import { logsDuring } from "../../log-lines";
import { atShard, expectProblem, http, injectFault, uniqueSku } from "../client";
import { edgeWith, losingAnswers } from "./fault-points";

/**
 * A broken RPC may have reached the actor and committed before its answer was lost. The
 * edge retries idempotent commands; when that retry is refused, or every attempt breaks,
 * the client must not be told that nothing happened.
 */
afterEach(async () => {
  await http("DELETE", "/v1/ops/faults", { admin: true });
});

async function orderWith(orders: typeof env.ORDERS, key: string, sku: string) {
  let r: Awaited<ReturnType<typeof edgeWith>> | undefined;
  await logsDuring(async () => {
    r = await edgeWith({ ORDERS: orders }, "POST", "/v1/orders", {
      body: { items: [{ sku, quantity: 2 }] },
      headers: { "Idempotency-Key": key },
    });
  });
  if (!r) throw new Error("no answer");
  return r;
}

describe("An order whose answer was lost in transit", () => {
  it("is answered as it stands, not 503, when the retry is refused for load", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    const orders = losingAnswers(env.ORDERS, "placeOrder", {
      afterFirst: () => injectFault({ service: "orders", orderId, kind: "overload", count: 1 }),
    });
    const r = await orderWith(orders, key, sku);
    // The first attempt committed and sold: a 503 "created nothing" would be false.
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ orderId, status: "confirmed" });
    expect(await atShard.getSku(sku)).toMatchObject({ sold: 2 });
  });

  it("is a 503 asking for the same key, not a 500, when every attempt broke and the read-back fails", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    const orders = losingAnswers(env.ORDERS, "placeOrder", { always: true, refused: "getOrder" });
    const r = await orderWith(orders, key, sku);
    expectProblem(r, 503, "service-unavailable");
    expect(r.json.detail).toMatch(/same Idempotency-Key/);
    // It was recorded (and sold): the same key answers it.
    expect((await http("GET", `/v1/orders/${orderId}`)).json).toMatchObject({
      status: "confirmed",
    });
  });

  it("is a 503 asking for the same key, not a 500, when the read-back finds nothing while the attempt still waits", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    // Every attempt waits 1.5 s on the orders shard before it runs while its call breaks at
    // once, so the read-back (a read: no fault, no wait) finds no order yet.
    await injectFault({ service: "orders", orderId, kind: "latency", ms: 1500, count: 3 });
    const orders = losingAnswers(env.ORDERS, "placeOrder", { always: true, early: true });
    const r = await orderWith(orders, key, sku);
    expectProblem(r, 503, "service-unavailable");
    expect(r.json.detail).toMatch(/same Idempotency-Key/);
    await orders.settled();
    // The attempt that waited did run: the same key answers its order.
    expect((await http("GET", `/v1/orders/${orderId}`)).json).toMatchObject({
      status: "confirmed",
    });
  });

  it("keeps the 500 when the actor itself answered that nothing was kept, even if the read-back fails", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "crash", step: 1 });
    const orders = losingAnswers(env.ORDERS, "none", { refused: "getOrder" });
    const r = await orderWith(orders, key, sku);
    expectProblem(r, 500, "internal-error");
    expectProblem(await http("GET", `/v1/orders/${orderId}`), 404, "not-found");
  });
});

describe("A keyed hold whose answer was lost in transit", () => {
  it("says the refused retry's first attempt may have taken effect, and the same key answers it", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const inventory = losingAnswers(env.INVENTORY, "placeHold", {
      afterFirst: () => injectFault({ service: "inventory", sku, kind: "overload", count: 1 }),
    });
    const request = (namespace: typeof env.INVENTORY) =>
      edgeWith({ INVENTORY: namespace }, "POST", `/v1/skus/${sku}/holds`, {
        body: { quantity: 1 },
        headers: { "Idempotency-Key": "lost-answer" },
      });
    let refused: Awaited<ReturnType<typeof edgeWith>> | undefined;
    await logsDuring(async () => {
      refused = await request(inventory);
    });
    if (!refused) throw new Error("no answer");
    expectProblem(refused, 503, "overloaded");
    expect(refused.json.detail).toMatch(/may have taken effect/);
    const again = await request(env.INVENTORY);
    expect(again.status).toBe(201);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 1 });
  });
});

describe("A read whose answers were all lost in transit", () => {
  // A read changes nothing: however its attempts broke, its answer never says it may have
  // taken effect (neither through the inventory client nor through a service route).
  it("answers 500 without claiming an effect, for a sku and for an order", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const inventory = losingAnswers(env.INVENTORY, "getSku", { always: true });
    const orders = losingAnswers(env.ORDERS, "getOrder", { always: true });
    const answers: Awaited<ReturnType<typeof edgeWith>>[] = [];
    await logsDuring(async () => {
      answers.push(await edgeWith({ INVENTORY: inventory }, "GET", `/v1/skus/${sku}`));
      answers.push(await edgeWith({ ORDERS: orders }, "GET", `/v1/orders/o_${"0".repeat(32)}`));
    });
    for (const answer of answers) {
      expectProblem(answer, 500, "internal-error");
      expect(answer.json.detail).toMatch(/broke before it answered/);
      expect(answer.json.detail).not.toMatch(/taken effect/);
    }
  });
});
