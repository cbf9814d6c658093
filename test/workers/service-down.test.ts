import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ShardRouter } from "../../durable-objects";
import worker from "../../workers";
import { expectProblem, http, putSku, uniqueSku } from "./client";

/** Skus that land on distinct inventory shards, so no edge breaker opens before the supervisor acts. */
function skusOnDistinctShards(n: number): string[] {
  const router = new ShardRouter(env);
  const seen = new Map<number, string>();
  while (seen.size < n) {
    const sku = uniqueSku("spread");
    const { index } = router.locate("inventory", sku);
    if (!seen.has(index)) seen.set(index, sku);
  }
  return [...seen.values()];
}

/** Crashes one shard command per sku until the inventory supervisor gives up (6 > 5 in 10 s). */
async function crashInventoryDown(skus: string[]) {
  for (const sku of skus) await putSku(sku, 10);
  await http("POST", "/v1/ops/faults", {
    body: { service: "inventory", kind: "crash", count: 1 },
    admin: true,
  });
  for (const sku of skus) {
    expectProblem(
      await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } }),
      500,
      "internal-error",
    );
  }
  await http("DELETE", "/v1/ops/faults", { admin: true });
}

describe("A crash loop escalating to the root", () => {
  it("marks inventory down, degrades /readyz, fails fast, and comes back on the admin restart", async () => {
    const skus = skusOnDistinctShards(6);
    await crashInventoryDown(skus);
    const ready = await http("GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({
      status: "degraded",
      reasons: [expect.stringContaining("inventory")],
    });

    const refused = await http("POST", `/v1/skus/${skus[0]}/holds`, { body: { quantity: 1 } });
    expectProblem(refused, 503, "service-unavailable");
    expect(refused.headers.get("Retry-After")).toBeTruthy();

    const tree = await http("GET", "/v1/ops/supervision", { admin: true });
    expect((tree.json.children as unknown[])[0]).toMatchObject({
      id: "inventory",
      status: "down",
      supervisor: {
        status: "stopped",
        reason: expect.stringContaining("reached_max_restart_intensity"),
      },
    });

    const restarted = await http("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
    expect(restarted.status).toBe(200);
    expect(restarted.json).toMatchObject({ id: "inventory", status: "running" });
    expect((await http("GET", "/readyz")).status).toBe(200);
    expect(
      (await http("POST", `/v1/skus/${skus[0]}/holds`, { body: { quantity: 1 } })).status,
    ).toBe(201);
  });
});

describe("The cron", () => {
  it("brings a down service back once DOWN_RECOVERY_MS has passed since it went down", async () => {
    const skus = skusOnDistinctShards(6);
    await crashInventoryDown(skus);
    expect((await http("GET", "/readyz")).status).toBe(503);
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now() + 1000 }), env);
    expect((await http("GET", "/readyz")).status).toBe(503);
    const later = Date.now() + 61_000;
    await worker.scheduled(createScheduledController({ scheduledTime: later }), env);
    expect((await http("GET", "/readyz")).status).toBe(200);
    expect(
      (await http("POST", `/v1/skus/${skus[1]}/holds`, { body: { quantity: 1 } })).status,
    ).toBe(201);
  });
});

describe("The events socket of a stopped inventory service", () => {
  it("answers 503 service-unavailable problem+json with Retry-After, not a 500", async () => {
    const skus = skusOnDistinctShards(6);
    await crashInventoryDown(skus);
    const refused = await http("GET", `/v1/skus/${skus[0]}/events`, {
      headers: { Upgrade: "websocket" },
    });
    expectProblem(refused, 503, "service-unavailable");
    expect(refused.headers.get("Content-Type")).toContain("application/problem+json");
    expect(refused.headers.get("Retry-After")).toBeTruthy();
  });
});
