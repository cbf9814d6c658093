import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ShardRouter } from "../../../durable-objects";
import { orderIdOf } from "../../../workers/routes/orders";
import { atShard, injectFault, uniqueSku } from "../client";

const router = new ShardRouter(env);

describe("A 500 means nothing happened", () => {
  it("the runtime answers interrupted, not internal-error, when a saga crashed past its first step", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const items = [{ sku, quantity: 1 }];
    const request = (orderId: string) => ({ orderId, items, fingerprint: JSON.stringify(items) });
    const early = await orderIdOf(uniqueSku("key"));
    await injectFault({ service: "orders", orderId: early, kind: "crash", step: 1 });
    expect(await router.orders(early).call("placeOrder", request(early))).toMatchObject({
      ok: false,
      code: "internal-error",
    });
    const late = await orderIdOf(uniqueSku("key"));
    await injectFault({ service: "orders", orderId: late, kind: "crash", step: 2 });
    expect(await router.orders(late).call("placeOrder", request(late))).toMatchObject({
      ok: false,
      code: "interrupted",
    });
  });
});
