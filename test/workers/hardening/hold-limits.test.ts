import { describe, expect, it } from "vitest";
import { atShard, expectProblem, http, uniqueSku } from "../client";

const holdAs = (client: string, sku: string, body: Record<string, unknown>) =>
  http("POST", `/v1/skus/${sku}/holds`, { body, headers: { "CF-Connecting-IP": client } });

/** The defaults (no HOLD_* vars in the test pool): 100 units and 900 s per hold, 200 units per client and sku. */
describe("Hoarding limits", () => {
  it("refuses a hold over the per-request quantity with 409 hold-too-large, holding nothing", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10_000);
    const r = await holdAs("198.51.100.1", sku, { quantity: 101 });
    expectProblem(r, 409, "hold-too-large");
    expect(r.json.detail).toContain("100");
    expect(await atShard.getSku(sku)).toMatchObject({ held: 0 });
    expect((await holdAs("198.51.100.1", sku, { quantity: 100 })).status).toBe(201);
  });

  it("refuses a hold over the per-request ttl with 409 hold-too-large; the contract's 3600 stays the outer bound", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 10);
    const r = await holdAs("198.51.100.2", sku, { quantity: 1, ttlSeconds: 901 });
    expectProblem(r, 409, "hold-too-large");
    expect(r.json.detail).toContain("900");
    expectProblem(
      await holdAs("198.51.100.2", sku, { quantity: 1, ttlSeconds: 3601 }),
      400,
      "invalid-request",
    );
    expect(await atShard.getSku(sku)).toMatchObject({ held: 0 });
  });

  it("caps the units one client holds at once per sku with 429 client-hold-limit and Retry-After; others still hold", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 1000);
    expect((await holdAs("198.51.100.3", sku, { quantity: 100, ttlSeconds: 60 })).status).toBe(201);
    expect((await holdAs("198.51.100.3", sku, { quantity: 100, ttlSeconds: 60 })).status).toBe(201);
    const over = await holdAs("198.51.100.3", sku, { quantity: 1 });
    expectProblem(over, 429, "client-hold-limit");
    const retryAfter = Number(over.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await holdAs("198.51.100.4", sku, { quantity: 100 })).status).toBe(201);
    // Another sku is another budget.
    const other = uniqueSku();
    await atShard.putSku(other, 10);
    expect((await holdAs("198.51.100.3", other, { quantity: 1 })).status).toBe(201);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 300 });
  });

  it("frees the client's budget when its holds are released", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 1000);
    const first = await holdAs("198.51.100.5", sku, { quantity: 100 });
    await holdAs("198.51.100.5", sku, { quantity: 100 });
    expectProblem(await holdAs("198.51.100.5", sku, { quantity: 50 }), 429, "client-hold-limit");
    expect((await http("DELETE", `/v1/skus/${sku}/holds/${first.json.holdId}`)).status).toBe(200);
    expect((await holdAs("198.51.100.5", sku, { quantity: 50 })).status).toBe(201);
  });

  it("does not replay a keyed 429 client-hold-limit: the same key holds once the client freed units", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 1000);
    const first = await holdAs("198.51.100.9", sku, { quantity: 100 });
    await holdAs("198.51.100.9", sku, { quantity: 100 });
    const keyed = (quantity: number) =>
      http("POST", `/v1/skus/${sku}/holds`, {
        body: { quantity },
        headers: { "CF-Connecting-IP": "198.51.100.9", "Idempotency-Key": `${sku}-k` },
      });
    expectProblem(await keyed(50), 429, "client-hold-limit");
    expect((await http("DELETE", `/v1/skus/${sku}/holds/${first.json.holdId}`)).status).toBe(200);
    const retried = await keyed(50);
    expect(retried.status).toBe(201);
    // Recorded from here on: the same key and body replay the hold.
    expect((await keyed(50)).json.holdId).toBe(retried.json.holdId);
    expect(await atShard.getSku(sku)).toMatchObject({ held: 150 });
  });

  it("refuses by the client's limits before stock, whether or not the stock would cover the hold", async () => {
    const sku = uniqueSku();
    await atShard.putSku(sku, 250);
    const client = "198.51.100.6";
    expect((await holdAs(client, sku, { quantity: 100 })).status).toBe(201);
    expect((await holdAs(client, sku, { quantity: 100 })).status).toBe(201);
    // 50 units left: over the client's cap both within the stock and beyond it.
    expectProblem(await holdAs(client, sku, { quantity: 10 }), 429, "client-hold-limit");
    expectProblem(await holdAs(client, sku, { quantity: 60 }), 429, "client-hold-limit");
    // Over the per-request limit both within the stock and beyond it.
    const other = "198.51.100.7";
    await atShard.putSku(sku, 450); // 250 free
    expectProblem(await holdAs(other, sku, { quantity: 101 }), 409, "hold-too-large");
    await atShard.putSku(sku, 300); // 100 free
    expectProblem(await holdAs(other, sku, { quantity: 101 }), 409, "hold-too-large");
    // Within every limit but beyond the stock: stock is the answer.
    expect((await holdAs(other, sku, { quantity: 100 })).status).toBe(201);
    expectProblem(await holdAs(other, sku, { quantity: 1 }), 409, "insufficient-stock");
  });
});
