import { describe, expect, it } from "vitest";
import { expectInvariant, getSku, placeHold, spreadSku, tally } from "./hot-sku-helpers";

/**
 * Hot SKUs under concurrent holds, in a file of their own: every edge request in a file
 * makes the next one slower (cloudflare/workers-sdk#15446), and these send hundreds.
 */
describe("concurrent holds on a spread sku", () => {
  it("never oversells: 200 concurrent holds of 1 on stock 100 over K = 4 give exactly 100 holds", async () => {
    const sku = await spreadSku(100, 4);
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => placeHold(sku, { quantity: 1 })),
    );
    expect(tally(replies)).toEqual({ "201": 100, "409 insufficient-stock": 100 });
    const ids = replies.filter((r) => r.status === 201).map((r) => String(r.json.holdId));
    const used = new Set(ids.map((id) => (id.includes(".") ? id.split(".")[1] : "0")));
    expect(used.size).toBeGreaterThan(1); // the holds were spread, not all on one object
    const all = await expectInvariant(sku, 4, 100);
    expect(all.reduce((a, p) => a + (p?.held ?? 0), 0)).toBe(100);
    expect(await getSku(sku)).toMatchObject({ stock: 100, held: 100, available: 0 });
  });
});
