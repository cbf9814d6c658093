import { describe, expect, it } from "vitest";
import { http } from "./client";
import { expectInvariant, placeHold, spreadSku, tally } from "./hot-sku-helpers";

/**
 * K changed while hundreds of holds run, in a file of its own: every edge request in a
 * file makes the next one slower (cloudflare/workers-sdk#15446).
 */
describe("changing K on a spread sku under load", () => {
  it("keeps the invariant while K changes under concurrent holds, and sells every unit", async () => {
    const sku = await spreadSku(150, 2);
    const holds = Array.from({ length: 200 }, () => placeHold(sku, { quantity: 1 }));
    const changes = (async () => {
      for (const k of [4, 1, 3, 8]) {
        await http("PUT", `/v1/skus/${sku}/placement`, { body: { subShards: k }, admin: true });
      }
    })();
    const [replies] = await Promise.all([Promise.all(holds), changes]);
    expect(tally(replies)).toEqual({ "201": 150, "409 insufficient-stock": 50 });
    const all = await expectInvariant(sku, 8, 150);
    expect(all.reduce((a, p) => a + (p?.held ?? 0), 0)).toBe(150);
  });
});
