import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { orderIdOf } from "../../workers/routes/orders";
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

const statusOf = async (orderId: string) =>
  (await http("GET", `/v1/orders/${orderId}`)).json.status;

describe("Orders", () => {
  it("confirms an order across two skus and sells every item", async () => {
    const [a, b] = [uniqueSku(), uniqueSku()];
    await putSku(a, 10);
    await putSku(b, 10);
    const r = await placeOrder(uniqueSku("key"), [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 3 },
    ]);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      status: "confirmed",
      items: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ],
    });
    expect(await getSku(a)).toMatchObject({ sold: 2, held: 0, available: 8 });
    expect(await getSku(b)).toMatchObject({ sold: 3, held: 0, available: 7 });
  });

  it("returns the same order for a retry with the same key and sells nothing more", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    const first = await placeOrder(key, [{ sku: a, quantity: 4 }]);
    const again = await placeOrder(key, [{ sku: a, quantity: 4 }]);
    expect(again.status).toBe(201);
    expect(again.json.orderId).toBe(first.json.orderId);
    expect(first.json.orderId).toBe(await orderIdOf(key));
    expect(await getSku(a)).toMatchObject({ sold: 4 });
  });

  it("confirms an order at most once when duplicates arrive concurrently", async () => {
    const a = uniqueSku();
    await putSku(a, 100);
    const key = uniqueSku("key");
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => placeOrder(key, [{ sku: a, quantity: 5 }])),
    );
    expect(new Set(answers.map((r) => r.json.orderId)).size).toBe(1);
    for (const r of answers) expect(r.status).toBe(201);
    expect(await getSku(a)).toMatchObject({ sold: 5, held: 0 });
  });

  it("refuses the same key with other items with 422 idempotency-key-reused", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    await placeOrder(key, [{ sku: a, quantity: 1 }]);
    expectProblem(await placeOrder(key, [{ sku: a, quantity: 2 }]), 422, "idempotency-key-reused");
    expect(await getSku(a)).toMatchObject({ sold: 1 });
  });

  it("refuses a concurrent duplicate with other items with 422, not the running order's answer", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    // The first order's hold is slowed, so the second arrives while its saga runs.
    await injectFault({ service: "inventory", sku: a, kind: "latency", ms: 1500, count: 1 });
    const first = placeOrder(key, [{ sku: a, quantity: 1 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await placeOrder(key, [{ sku: a, quantity: 7 }]);
    expect((await first).status).toBe(201);
    expectProblem(second, 422, "idempotency-key-reused");
    expect(await getSku(a)).toMatchObject({ sold: 1, held: 0 });
  });

  it("answers 422, not the other order's view, when a retry with other items crashes", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    expect((await placeOrder(key, [{ sku: a, quantity: 1 }])).status).toBe(201);
    await injectFault({ service: "orders", orderId, kind: "crash", count: 1 });
    expectProblem(await placeOrder(key, [{ sku: a, quantity: 5 }]), 422, "idempotency-key-reused");
    expect(await getSku(a)).toMatchObject({ sold: 1, held: 0 });
  });

  it("treats the same items in another order as the same request", async () => {
    const [a, b] = [uniqueSku(), uniqueSku()];
    await putSku(a, 10);
    await putSku(b, 10);
    const key = uniqueSku("key");
    await placeOrder(key, [
      { sku: a, quantity: 1 },
      { sku: b, quantity: 1 },
    ]);
    expect(
      (
        await placeOrder(key, [
          { sku: b, quantity: 1 },
          { sku: a, quantity: 1 },
        ])
      ).status,
    ).toBe(201);
  });

  it("rejects an order whose item lacks stock, with 409 and nothing of it held or sold", async () => {
    const [a, b] = [uniqueSku(), uniqueSku()];
    await putSku(a, 10);
    await putSku(b, 1);
    const r = await placeOrder(uniqueSku("key"), [
      { sku: a, quantity: 3 },
      { sku: b, quantity: 2 },
    ]);
    expect(r.status).toBe(409);
    expect(r.headers.get("Content-Type")).toContain("application/json");
    expect(r.json).toMatchObject({ status: "rejected", reason: "insufficient-stock" });
    expect(await getSku(a)).toMatchObject({ held: 0, sold: 0, available: 10 });
    expect(await getSku(b)).toMatchObject({ held: 0, sold: 0, available: 1 });
  });

  it("rejects an order with an unknown sku with reason not-found", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const r = await placeOrder(uniqueSku("key"), [
      { sku: a, quantity: 1 },
      { sku: uniqueSku("ghost"), quantity: 1 },
    ]);
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ status: "rejected", reason: "not-found" });
    expect(await getSku(a)).toMatchObject({ held: 0, sold: 0 });
  });

  it("replays a rejected order as 409 with the same view", async () => {
    const a = uniqueSku();
    await putSku(a, 1);
    const key = uniqueSku("key");
    const first = await placeOrder(key, [{ sku: a, quantity: 5 }]);
    const again = await placeOrder(key, [{ sku: a, quantity: 5 }]);
    expect(again.status).toBe(409);
    expect(again.json).toEqual(first.json);
  });

  it("reads an order by id and answers 404 for an unknown one", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const placed = await placeOrder(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    const read = await http("GET", `/v1/orders/${placed.json.orderId}`);
    expect(read.status).toBe(200);
    expect(read.json).toEqual(placed.json);
    expectProblem(await http("GET", "/v1/orders/o_unknown"), 404, "not-found");
  });
});

/**
 * Checks the answer to an order whose saga crashed past its first step: its current view,
 * never a `500`. Pending (`202` + `Location`) is the usual one; if the shard's resume timer
 * finished the saga before the edge read the order back, the final view (`201` confirmed or
 * `409` rejected) is just as honest.
 */
function expectCurrentView(
  r: Awaited<ReturnType<typeof placeOrder>>,
  orderId: string,
  final: "confirmed" | "rejected",
): void {
  expect(r.json.orderId).toBe(orderId);
  if (r.json.status === final) {
    expect(r.status).toBe(final === "confirmed" ? 201 : 409);
    return;
  }
  expect(r.status).toBe(202);
  expect(r.json.status).toBe("pending");
  expect(r.headers.get("Location")).toBe(`/v1/orders/${orderId}`);
}

describe("Order saga under faults", () => {
  it("keeps nothing when the crash hits its first step, so a retry runs afresh", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    expect((await injectFault({ service: "orders", orderId, kind: "crash", step: 1 })).status).toBe(
      201,
    );
    expectProblem(await placeOrder(key, [{ sku: a, quantity: 2 }]), 500, "internal-error");
    expectProblem(await http("GET", `/v1/orders/${orderId}`), 404, "not-found");
    expect((await placeOrder(key, [{ sku: a, quantity: 2 }])).status).toBe(201);
    expect(await getSku(a)).toMatchObject({ sold: 2, held: 0 });
  });

  it.each([2, 3])(
    "answers the order's current view (202 pending, not 500) after a crash at step %i, resumes from storage and confirms",
    async (step) => {
      const [a, b] = [uniqueSku(), uniqueSku()];
      await putSku(a, 10);
      await putSku(b, 10);
      const key = uniqueSku("key");
      const orderId = await orderIdOf(key);
      await injectFault({ service: "orders", orderId, kind: "crash", step });
      const crashed = await placeOrder(key, [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 2 },
      ]);
      // A 500 would tell the client nothing happened, yet the order is durable and will sell.
      // The answer is the order's current view: pending, or already confirmed when its
      // resume timer (100 ms here) finished the saga before the edge read it back.
      expectCurrentView(crashed, orderId, "confirmed");
      expect(
        await eventually(
          () => statusOf(orderId),
          (s) => s === "confirmed",
        ),
      ).toBe("confirmed");
      expect(await getSku(a)).toMatchObject({ sold: 1, held: 0 });
      expect(await getSku(b)).toMatchObject({ sold: 2, held: 0 });
    },
  );

  it("answers the current view (not 500) after a crash while compensating and converges to rejected with nothing held", async () => {
    const [a, b] = [uniqueSku(), uniqueSku()];
    await putSku(a, 10);
    await putSku(b, 0);
    const key = uniqueSku("key");
    const orderId = await orderIdOf(key);
    await injectFault({ service: "orders", orderId, kind: "crash", step: 3 });
    const crashed = await placeOrder(key, [
      { sku: a, quantity: 1 },
      { sku: b, quantity: 1 },
    ]);
    expectCurrentView(crashed, orderId, "rejected");
    expect(
      await eventually(
        () => statusOf(orderId),
        (s) => s === "rejected",
      ),
    ).toBe("rejected");
    expect(await getSku(a)).toMatchObject({ held: 0, sold: 0, available: 10 });
  });

  it("answers 202 pending when an inventory shard crashes mid-saga, then confirms", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    await injectFault({ service: "inventory", sku: a, kind: "crash" });
    const key = uniqueSku("key");
    const r = await placeOrder(key, [{ sku: a, quantity: 3 }]);
    expect(r.status).toBe(202);
    expect(r.headers.get("Location")).toBe(`/v1/orders/${r.json.orderId}`);
    expect(r.json.status).toBe("pending");
    expect(
      await eventually(
        () => statusOf(String(r.json.orderId)),
        (s) => s === "confirmed",
      ),
    ).toBe("confirmed");
    expect(await getSku(a)).toMatchObject({ sold: 3, held: 0 });
  });
});

describe("Saga holds belong to their order", () => {
  it("are out of clients' reach: their ids are not valid hold ids at the edge", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const placed = await placeOrder(uniqueSku("key"), [{ sku: a, quantity: 1 }]);
    const sagaHold = `~${placed.json.orderId}.${a}`;
    expectProblem(
      await http("POST", `/v1/skus/${a}/holds/${encodeURIComponent(sagaHold)}/confirm`),
      400,
      "invalid-request",
    );
    expectProblem(
      await http("DELETE", `/v1/skus/${a}/holds/${encodeURIComponent(sagaHold)}`),
      400,
      "invalid-request",
    );
    expect(await getSku(a)).toMatchObject({ sold: 1, held: 0 });
  });

  it("are given back by compensation even once confirmed, so a rejected order sells nothing", async () => {
    const a = uniqueSku();
    await putSku(a, 10);
    const inventory = new ShardRouter(env).inventory(a);
    const holdId = "~o_compensated.x";
    await inventory.call("placeHold", { sku: a, quantity: 4, ttlSeconds: 60, holdId });
    await inventory.call("confirmHold", { sku: a, holdId });
    expect(await getSku(a)).toMatchObject({ sold: 4 });
    const reversed = await inventory.call("releaseHold", { sku: a, holdId, compensate: true });
    expect(reversed).toMatchObject({ ok: true, value: { status: "released" } });
    expect(await getSku(a)).toMatchObject({ sold: 0, held: 0, available: 10 });
    // Compensation is idempotent: a repeat changes nothing.
    await inventory.call("releaseHold", { sku: a, holdId, compensate: true });
    expect(await getSku(a)).toMatchObject({ sold: 0, available: 10 });
  });
});
