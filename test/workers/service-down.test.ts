import { describe, expect, it } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { env } from "cloudflare:workers";
import { expectProblem, http, putSku, uniqueSku } from "./client";

/** Skus that land on distinct inventory shards, so no edge breaker opens before the supervisor acts. */
function skusOnDistinctShards(n: number): string[] {
  const router = new ShardRouter(env);
  const seen = new Map<number, string>();
  for (let i = 0; seen.size < n; i++) {
    const sku = uniqueSku("spread");
    const { index } = router.locate("inventory", sku);
    if (!seen.has(index)) seen.set(index, sku);
  }
  return [...seen.values()];
}

describe("A crash loop escalating to the root", () => {
  it("marks inventory down, degrades /readyz, fails fast, and comes back on the admin restart", async () => {
    const skus = skusOnDistinctShards(6);
    for (const sku of skus) await putSku(sku, 10);
    await http("POST", "/v1/ops/faults", { body: { service: "inventory", kind: "crash", count: 1 }, admin: true });
    // Intensity 5 in 10 s: the sixth crash of the service's shards exceeds it.
    for (const sku of skus) {
      expectProblem(await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } }), 500, "internal-error");
    }
    const ready = await http("GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ status: "degraded", reasons: [expect.stringContaining("inventory")] });

    const refused = await http("POST", `/v1/skus/${skus[0]}/holds`, { body: { quantity: 1 } });
    expectProblem(refused, 503, "service-unavailable");
    expect(refused.headers.get("Retry-After")).toBeTruthy();

    const tree = await http("GET", "/v1/ops/supervision", { admin: true });
    expect((tree.json.children as unknown[])[0]).toMatchObject({
      id: "inventory",
      status: "down",
      supervisor: { status: "stopped", reason: expect.stringContaining("reached_max_restart_intensity") },
    });

    const restarted = await http("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
    expect(restarted.status).toBe(200);
    expect(restarted.json).toMatchObject({ id: "inventory", status: "running" });
    expect((await http("GET", "/readyz")).status).toBe(200);
    expect((await http("POST", `/v1/skus/${skus[0]}/holds`, { body: { quantity: 1 } })).status).toBe(201);
  });
});
