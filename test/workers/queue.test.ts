import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { orderRetryDelaySeconds as retryDelaySeconds } from "../../core/alarms";
import { canonicalJson } from "../../core/http";
import { ShardRouter } from "../../durable-objects";
import worker from "../../workers";
import { ORDERS_DLQ, ORDERS_QUEUE } from "../../workers/queue/messages";
import { orderIdOf } from "../../workers/routes/orders";
import { finalWithinMs } from "../config/queue-budget";
import {
  eventually,
  expectProblem,
  getSku,
  http,
  injectFault,
  placeOrder,
  putSku,
  uniqueSku,
} from "./client";

const ASYNC = { Prefer: "respond-async" };

/**
 * The ceiling for a message refused with `Retry-After: hintMs` on every delivery to end
 * dead-lettered, from wrangler.toml's consumer settings and the consumer's own delay formula
 * at its longest jitter.
 */
function deadLetterBudgetMs(hintMs: number): number {
  // The configured waits alone were measured at 90 % of the real time here (each delivery
  // also runs the consumer and a shard call): twice the waits is the ceiling.
  const PROCESSING_FACTOR = 2;
  const consumers = JSON.parse(env.TEST_QUEUE_CONSUMERS);
  const base = Number(env.QUEUE_RETRY_BASE_MS);
  vi.spyOn(Math, "random").mockReturnValue(1 - Number.EPSILON);
  try {
    const waiting = finalWithinMs(consumers, ORDERS_QUEUE, (n) =>
      retryDelaySeconds(n, base, hintMs),
    );
    return waiting * PROCESSING_FACTOR;
  } finally {
    vi.restoreAllMocks();
  }
}
const statusOf = async (orderId: string) => (await http("GET", `/v1/orders/${orderId}`)).json;

/** A queue message as the edge sends it: after the order's intake record. */
async function message(key: string, items: { sku: string; quantity: number }[]) {
  const orderId = await orderIdOf(key);
  const body = { orderId, items, fingerprint: canonicalJson(items), enqueuedAt: Date.now() };
  await new ShardRouter(env).orders(orderId).call("enqueueOrder", body);
  return body;
}

/**
 * Runs the Worker's queue handler on one batch and answers its ack/retry outcome, plus the
 * options of every `retry()` call (`getQueueResult` does not report the delay).
 * `getQueueResult` also waits for the handler's `waitUntil` work (the isolate's metrics
 * flush), so a flush that never ends fails the test that started it.
 */
async function consume(queue: string, bodies: unknown[]) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })),
  );
  const retryOptions: Record<string, QueueRetryOptions | undefined> = {};
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      retryOptions[message.id] = options;
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return { ...(await getQueueResult(batch, ctx)), retryOptions };
}

describe("Shedding to the orders queue", () => {
  it("refuses with 503 overloaded and Retry-After when the shard is at capacity and the client wants an answer now", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    await injectFault({ service: "orders", orderId: await orderIdOf(key), kind: "overload" });
    const r = await placeOrder(key, [{ sku: a, quantity: 1 }]);
    expectProblem(r, 503, "overloaded");
    expect(Number(r.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expectProblem(await http("GET", `/v1/orders/${await orderIdOf(key)}`), 404, "not-found");
  });

  it("accepts with 202 and a queued order when the client prefers respond-async, then confirms it via the queue", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "overload" });
    const r = await placeOrder(key, [{ sku: a, quantity: 2 }], ASYNC);
    expect(r.status).toBe(202);
    expect(r.headers.get("Location")).toBe(`/v1/orders/${orderId}`);
    expect(r.json).toMatchObject({ orderId, status: "queued" });
    expect(
      await eventually(
        () => statusOf(orderId),
        (o) => o.status === "confirmed",
        15_000,
      ),
    ).toMatchObject({
      status: "confirmed",
    });
    expect(await getSku(a)).toMatchObject({ sold: 2, held: 0 });
  });

  it("dead-letters a message that exhausts its retries and rejects its order with reason dead-lettered", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "overload", count: 1000 });
    expect((await placeOrder(key, [{ sku: a, quantity: 1 }], ASYNC)).status).toBe(202);
    const final = await eventually(
      () => statusOf(orderId),
      (o) => o.status === "rejected",
      deadLetterBudgetMs(1000),
    );
    expect(final).toMatchObject({ status: "rejected", reason: "dead-lettered" });
    expect(await getSku(a)).toMatchObject({ held: 0, sold: 0 });
    await http("DELETE", "/v1/ops/faults", { admin: true });
  }, 120_000);
});

describe("Orders queue consumer", () => {
  it("acks a message once its order is final", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    const result = await consume(ORDERS_QUEUE, [body]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect((await statusOf(body.orderId)).status).toBe("confirmed");
  });

  it("retries after at least the shard's Retry-After when it is overloaded, and never calls it again in that batch", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const first = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    await injectFault({ service: "orders", orderId: first.orderId, kind: "overload", count: 1 });
    const result = await consume(ORDERS_QUEUE, [first, first]);
    // The injected overload says Retry-After 1 s; the test's QUEUE_RETRY_BASE_MS is 0, so
    // any delay here comes from honouring the shard's hint.
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m0", "m1"]);
    expect(result.retryOptions).toEqual({ m0: { delaySeconds: 1 }, m1: { delaySeconds: 1 } });
    // The second message was held back without a call: the fault still has no count left over.
    const shard = new ShardRouter(env).locate("orders", first.orderId);
    expect(await new ShardRouter(env).actor(shard).inspect()).toMatchObject({ faults: [] });
  });

  it("acks a message whose saga crashed past its first step: the order is durable and finishes on its timer", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    await injectFault({ service: "orders", orderId: body.orderId, kind: "crash", step: 2 });
    const result = await consume(ORDERS_QUEUE, [body]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect(
      await eventually(
        async () => (await statusOf(body.orderId)).status,
        (s) => s === "confirmed",
      ),
    ).toBe("confirmed");
    expect(await getSku(a)).toMatchObject({ sold: 1, held: 0 });
  });

  it("retries a message whose saga crashed at its first step: nothing of it is durable", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    await injectFault({ service: "orders", orderId: body.orderId, kind: "crash", step: 1 });
    const result = await consume(ORDERS_QUEUE, [body]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["m0"]);
    expect((await statusOf(body.orderId)).status).toBe("queued");
  });

  it("processes a redelivered message idempotently", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 2 }]);
    await consume(ORDERS_QUEUE, [body]);
    const again = await consume(ORDERS_QUEUE, [body]);
    expect(again.explicitAcks).toEqual(["m0"]);
    expect(await getSku(a)).toMatchObject({ sold: 2 });
  });

  it("acks a message whose order was never recorded (withdrawn), without creating it", async () => {
    const orderId = await orderIdOf(uniqueSku("key"));
    const items = [{ sku: uniqueSku(), quantity: 1 }];
    const body = { orderId, items, fingerprint: canonicalJson(items), enqueuedAt: Date.now() };
    expect((await consume(ORDERS_QUEUE, [body])).explicitAcks).toEqual(["m0"]);
    expect((await http("GET", `/v1/orders/${orderId}`)).status).toBe(404);
  });

  it("acks and drops a malformed message", async () => {
    const result = await consume(ORDERS_QUEUE, [{ nonsense: true }]);
    expect(result.explicitAcks).toEqual(["m0"]);
  });

  it("rejects a still-queued order from the dead-letter queue with reason dead-lettered", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    const result = await consume(ORDERS_DLQ, [body]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(await statusOf(body.orderId)).toMatchObject({
      status: "rejected",
      reason: "dead-lettered",
    });
  });

  it("leaves a queued order of another body under the same id alone when a stale message is dead-lettered", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    const stale = { ...body, items: [{ sku: a, quantity: 2 }], fingerprint: "another body" };
    const result = await consume(ORDERS_DLQ, [stale]);
    expect(result.explicitAcks).toEqual(["m0"]);
    expect((await statusOf(body.orderId)).status).toBe("queued");
  });

  it("leaves an order that already ran alone when its message is dead-lettered late", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    await consume(ORDERS_QUEUE, [body]);
    await consume(ORDERS_DLQ, [body]);
    expect((await statusOf(body.orderId)).status).toBe("confirmed");
  });
});

describe("Queued orders' saga timeout", () => {
  it("counts from when the saga starts, not from when the order was queued", async () => {
    const a = uniqueSku();
    await putSku(a, 5);
    const body = await message(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    const shard = new ShardRouter(env).locate("orders", body.orderId);
    // The order waited in the queue for six minutes, longer than the saga's 5-minute timeout.
    await runInDurableObject(env.ORDERS.get(env.ORDERS.idFromName(shard.name)), (_o, state) => {
      state.storage.sql.exec(
        "UPDATE orders SET created_at = ? WHERE order_id = ?",
        Date.now() - 6 * 60_000,
        body.orderId,
      );
    });
    await injectFault({ service: "inventory", sku: a, kind: "overload" });
    const reply = await new ShardRouter(env).orders(body.orderId).call("processQueued", body);
    expect(reply).toMatchObject({ ok: true, value: { status: "pending" } });
  });
});
