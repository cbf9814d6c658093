import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { orderIdOf } from "../../../workers/routes/orders";
import { atShard, http, injectFault, uniqueSku } from "../client";
import { edgeWith, refusingCommand, refusingQueue } from "./fault-points";

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
