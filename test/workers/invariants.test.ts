import { describe, expect, it } from "vitest";
import { eventually } from "../runtime/helpers";
import { getSku, http, putSku, uniqueSku } from "./client";

type Item = { sku: string; quantity: number };

/** A deterministic pseudo-random source, so a failing mix can be replayed. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("Invariants under concurrency", () => {
  it("never sells more than the stock, and every concurrent order ends confirmed or rejected", async () => {
    const random = mulberry32(42);
    const skus = [uniqueSku("hot"), uniqueSku("hot"), uniqueSku("hot")];
    for (const sku of skus) await putSku(sku, 12);
    const orders: Item[][] = Array.from({ length: 40 }, () => {
      const picked = skus.filter(() => random() < 0.6);
      const items = (picked.length > 0 ? picked : [skus[0] as string]).map((sku) => ({
        sku,
        quantity: 1 + Math.floor(random() * 3),
      }));
      return items;
    });
    const answers = await Promise.all(
      orders.map((items, i) =>
        http("POST", "/v1/orders", {
          body: { items },
          headers: { "Idempotency-Key": `${skus[0]}-${i}` },
        }),
      ),
    );
    for (const r of answers) expect([201, 202, 409]).toContain(r.status);

    const finals = await Promise.all(
      answers.map((r) =>
        eventually(
          async () => (await http("GET", `/v1/orders/${r.json.orderId}`)).json,
          (o) => o.status === "confirmed" || o.status === "rejected",
          10_000,
        ),
      ),
    );
    const sold = new Map<string, number>();
    for (const o of finals) {
      expect(["confirmed", "rejected"]).toContain(o.status);
      if (o.status !== "confirmed") continue;
      for (const item of o.items as Item[])
        sold.set(item.sku, (sold.get(item.sku) ?? 0) + item.quantity);
    }
    for (const sku of skus) {
      const view = await getSku(sku);
      expect(view.sold).toBe(sold.get(sku) ?? 0);
      expect(view.sold).toBeLessThanOrEqual(view.stock);
      expect(view.held).toBe(0);
    }
    expect(finals.some((o) => o.status === "confirmed")).toBe(true);
    expect(finals.some((o) => o.status === "rejected")).toBe(true);
  });
});
