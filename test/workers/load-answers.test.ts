import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { createApp } from "../../workers/app";
import { breakerFor, objectKey, recordLoad, underPressure } from "../../workers/shard-call";
import { expectProblem, freshShardSkus, http, injectFault, putSku, uniqueSku } from "./client";

const hold = (sku: string) => http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });

// Crash faults count toward the inventory supervisor's intensity (5 in 10 s): give every
// test a fresh restart window so one test's crashes never take the service down for the next.
afterEach(async () => {
  await http("DELETE", "/v1/ops/faults", { admin: true });
  await http("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
});

/** Breakers are per shard and per isolate: each test takes a shard no other test here used. */
const skuOnFreshShard = freshShardSkus("breaker");

describe("Circuit breaker at the edge", () => {
  // One test for the whole cycle: its five crashes use up the inventory supervisor's
  // intensity (5 in 10 s), so a second crash-driven test in this window would take it down.
  it("opens after 5 consecutive crashes, fails fast, then lets one probe through and closes", async () => {
    const sku = skuOnFreshShard();
    const shard = objectKey(new ShardRouter(env).locate("inventory", sku));
    // The breaker reads the clock it was built with: stop it before the first call to this
    // shard builds it, so however slow the machine, the open window lasts until we move on.
    const realNow = Date.now.bind(Date);
    const frozenAt = realNow();
    let now = () => frozenAt;
    vi.spyOn(Date, "now").mockImplementation(() => now());
    try {
      await putSku(sku, 50);
      await injectFault({ service: "inventory", sku, kind: "crash", count: 5 });
      for (let i = 0; i < 5; i++) expectProblem(await hold(sku), 500, "internal-error");
      const refused = await hold(sku);
      expectProblem(refused, 503, "circuit-open");
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      // Exactly the breaker's own reset timeout later, it admits one probe.
      const { resetTimeoutMs } = breakerFor(shard).toJSON();
      now = () => frozenAt + resetTimeoutMs;
      expect(breakerFor(shard).state).toBe("half-open");
      expect((await hold(sku)).status).toBe(201);
      expect(breakerFor(shard).state).toBe("closed");
      expect((await hold(sku)).status).toBe(201);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe("Per-client rate limit", () => {
  it("answers 429 rate-limited with Retry-After once a client exceeds RATE_LIMIT_PER_MINUTE", async () => {
    const sku = uniqueSku();
    await putSku(sku, 50);
    const app = createApp();
    const limited = { ...env, RATE_LIMIT_PER_MINUTE: "3" };
    const client = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const send = () =>
      app.fetch(
        new Request(`http://edge.test/v1/skus/${sku}/holds`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "CF-Connecting-IP": client },
          body: JSON.stringify({ quantity: 1 }),
        }),
        limited,
        createExecutionContext(),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await send()).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
    const refused = await send();
    expect(refused.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({ code: "rate-limited" });
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  });

  it("does not count reads", async () => {
    const sku = uniqueSku();
    await putSku(sku, 1);
    const app = createApp();
    const limited = { ...env, RATE_LIMIT_PER_MINUTE: "1" };
    for (let i = 0; i < 5; i++) {
      const r = await app.fetch(
        new Request(`http://edge.test/v1/skus/${sku}`),
        limited,
        createExecutionContext(),
      );
      expect(r.status).toBe(200);
    }
  });
});

describe("Back pressure", () => {
  it("treats a shard whose last answer reported waiting work as under pressure, for a second", () => {
    const t = Date.now();
    expect(underPressure("pressure-0", t)).toBe(false);
    recordLoad("pressure-0", { inFlight: 2, queued: 3, limit: 8 }, t);
    expect(underPressure("pressure-0", t + 500)).toBe(true);
    expect(underPressure("pressure-0", t + 1500)).toBe(false);
    recordLoad("pressure-0", { inFlight: 8, queued: 0, limit: 8 }, t);
    expect(underPressure("pressure-0", t)).toBe(true);
    recordLoad("pressure-0", { inFlight: 1, queued: 0, limit: 8 }, t);
    expect(underPressure("pressure-0", t)).toBe(false);
  });

  it("queues a respond-async order at once when its shard is refusing, instead of waiting", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    const key = uniqueSku("key");
    const { orderIdOf } = await import("../../workers/routes/orders");
    await injectFault({ service: "orders", orderId: await orderIdOf(key), kind: "overload" });
    const r = await http("POST", "/v1/orders", {
      body: { items: [{ sku, quantity: 1 }] },
      headers: { "Idempotency-Key": key, Prefer: "respond-async" },
    });
    expect(r.status).toBe(202);
    expect(r.json.status).toBe("queued");
  });
});
