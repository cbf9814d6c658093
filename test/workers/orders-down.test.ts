import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { orderIdOf } from "../../workers/routes/orders";
import { eventually, expectProblem, http, placeOrder, putSku, uniqueSku } from "./client";

/** Idempotency keys whose orders land on distinct orders shards. */
async function keysOnDistinctShards(n: number): Promise<string[]> {
  const router = new ShardRouter(env);
  const seen = new Map<number, string>();
  while (seen.size < n) {
    const key = uniqueSku("down-key");
    const { index } = router.locate("orders", await orderIdOf(key));
    if (!seen.has(index)) seen.set(index, key);
  }
  return [...seen.values()];
}

describe("While the orders service is down", () => {
  it("still queues respond-async orders (202), refuses the others fast (503), and runs the queued ones once it is back", async () => {
    const sku = uniqueSku();
    await putSku(sku, 10);
    const items = [{ sku, quantity: 1 }];
    // Six crashes on six shards: more than the orders supervisor's intensity (5 in 10 s).
    await http("POST", "/v1/ops/faults", {
      body: { service: "orders", kind: "crash", count: 1 },
      admin: true,
    });
    for (const key of await keysOnDistinctShards(6)) {
      expectProblem(await placeOrder(key, items), 500, "internal-error");
    }
    await http("DELETE", "/v1/ops/faults", { admin: true });
    expect((await http("GET", "/readyz")).json).toMatchObject({ status: "degraded" });

    const [asyncKey, syncKey] = await keysOnDistinctShards(2);
    const queued = await placeOrder(asyncKey ?? "", items, { Prefer: "respond-async" });
    expect(queued.status).toBe(202);
    expect(queued.json.status).toBe("queued");
    expectProblem(await placeOrder(syncKey ?? "", items), 503, "service-unavailable");

    expect((await http("POST", "/v1/ops/supervision/orders/restart", { admin: true })).status).toBe(
      200,
    );
    const final = await eventually(
      () => http("GET", `/v1/orders/${queued.json.orderId}`),
      (r) => r.json.status === "confirmed",
      15_000,
    );
    expect(final.json.status).toBe("confirmed");
  });
});
