import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShardRouter } from "../../../durable-objects";
import { ok } from "../../../durable-objects/runtime";
import { orderIdOf } from "../../../workers/routes/orders";
import { breakerFor, guarded, objectKey } from "../../../workers/shard-call";
import { logsDuring } from "../../log-lines";
import { atShard, eventually, http, injectFault, uniqueSku } from "../client";
import { edgeWith, refusingQueue, unreachableNamespace } from "./fault-points";

const router = new ShardRouter(env);
const ASYNC = { Prefer: "respond-async" };
const order = (key: string, sku: string) => ({
  body: { items: [{ sku, quantity: 1 }] },
  headers: { "Idempotency-Key": key, ...ASYNC },
});

describe("Review fixes under platform faults", () => {
  afterEach(() => vi.restoreAllMocks());

  it("arms the saga's resume timer as soon as a step commits, so a reset mid-saga resumes", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    const shard = router.actor(router.locate("orders", orderId));
    const stub = env.ORDERS.get(env.ORDERS.idFromName(router.locate("orders", orderId).name));
    // The inventory step is slow, so the saga sits between its first step and its second.
    await injectFault({ service: "inventory", sku, kind: "latency", ms: 3000 });
    let settled = false;
    const placing = http("POST", "/v1/orders", {
      body: { items: [{ sku, quantity: 1 }] },
      headers: { "Idempotency-Key": key },
    }).finally(() => {
      settled = true;
    });
    const alarm = await eventually(
      () => runInDurableObject(stub, (_i, state) => state.storage.getAlarm()),
      (at) => at !== null,
    );
    expect(alarm).not.toBeNull();
    // Armed while the saga still awaits its second step, not when the whole saga ended.
    expect(settled).toBe(false);
    // Fault point: the object is reset while the saga awaits (memory gone, saga abandoned).
    await shard.restart();
    // The abandoned run answers the order's current view (the timer may already have
    // finished it): never a 500 for an order that exists.
    const answered = await placing;
    expect([201, 202]).toContain(answered.status);
    expect(answered.json.orderId).toBe(orderId);
    expect(
      await eventually(
        async () => (await http("GET", `/v1/orders/${orderId}`)).json.status,
        (s) => s === "confirmed",
      ),
    ).toBe("confirmed");
    expect(await atShard.getSku(sku)).toMatchObject({ sold: 1, held: 0 });
  });

  it("withdraws the queued order it created when the queue refuses, so its 503 stays true", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "overload", count: 1 });
    const r = await edgeWith(
      { ORDERS_QUEUE: refusingQueue },
      "POST",
      "/v1/orders",
      order(key, sku),
    );
    expect({ status: r.status, code: r.json.code }).toEqual({
      status: 503,
      code: "service-unavailable",
    });
    expect((await http("GET", `/v1/orders/${orderId}`)).status).toBe(404);
  });

  it("never withdraws a queued order it did not create: a retry when the queue refuses keeps it", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "overload", count: 2 });
    const first = await http("POST", "/v1/orders", order(key, sku));
    expect(first.status).toBe(202);
    const retry = await edgeWith(
      { ORDERS_QUEUE: refusingQueue },
      "POST",
      "/v1/orders",
      order(key, sku),
    );
    expect(retry.status).toBe(202);
    expect((await http("GET", `/v1/orders/${orderId}`)).status).toBe(200);
  });

  it("does not let an out-of-time request take the half-open breaker's one probe", async () => {
    const shard = { service: "inventory" as const, index: 0, name: uniqueSku("probe-shard") };
    const breaker = breakerFor(objectKey(shard));
    for (let i = 0; i < 5; i++) breaker.onFailure();
    expect(breaker.state).toBe("open");
    await eventually(
      async () => breaker.state,
      (state) => state === "half-open",
    );
    const late = await guarded(
      shard,
      { delivery: "idempotent", deadline: Date.now() - 1 },
      async () => ok("should not run"),
    );
    expect(late).toMatchObject({ ok: false, code: "deadline-exceeded" });
    const probe = await guarded(shard, { delivery: "idempotent", deadline: undefined }, async () =>
      ok("probe"),
    );
    expect(probe).toMatchObject({ ok: true, value: "probe" });
    expect(breaker.state).toBe("closed");
  });

  it("fails open when the rate limiter object is unavailable: the write is served and logged", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    let status = 0;
    const lines = await logsDuring(async () => {
      const r = await edgeWith(
        { RATE_LIMITER: unreachableNamespace(env.RATE_LIMITER) },
        "POST",
        `/v1/skus/${sku}/holds`,
        { body: { quantity: 1 } },
      );
      status = r.status;
    });
    expect(status).toBe(201);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 1 });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "warn", event: "rate-limiter-unavailable" }),
    );
  });
});
