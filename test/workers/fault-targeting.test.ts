import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { expectProblem, getSku, http, injectFault, putSku, uniqueSku } from "./client";
import { allShards, shardCount } from "./services";

const hold = (sku: string, headers: Record<string, string> = {}) =>
  http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 }, headers });

afterEach(async () => {
  await http("DELETE", "/v1/ops/faults", { admin: true });
  await http("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
});

/** Two skus that live on different inventory shards, and the shard of the first. */
function skusOnTwoShards(): { on: string; off: string; shard: number } {
  const router = new ShardRouter(env);
  const on = uniqueSku("target");
  const shard = router.locate("inventory", on).index;
  for (;;) {
    const off = uniqueSku("other");
    if (router.locate("inventory", off).index !== shard) return { on, off, shard };
  }
}

describe("Fault targeting", () => {
  it("count: crashes exactly the next `count` writes of the target, then it serves", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    await injectFault({ service: "inventory", sku, kind: "crash", count: 2 });
    expectProblem(await hold(sku), 500, "internal-error");
    expectProblem(await hold(sku), 500, "internal-error");
    expect((await hold(sku)).status).toBe(201);
    expect(await getSku(sku)).toMatchObject({ held: 1 });
  });

  it("ms: delays by the given latency, so a deadline shorter than it drops the write and a longer one does not", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    // 2000 ms against a 1000 ms deadline: dropped (the default 100 ms would have passed).
    await injectFault({ service: "inventory", sku, kind: "latency", ms: 2000 });
    expectProblem(await hold(sku, { "X-Deadline-Ms": "1000" }), 503, "deadline-exceeded");
    // 20 ms against a 5000 ms deadline: served.
    await injectFault({ service: "inventory", sku, kind: "latency", ms: 20 });
    expect((await hold(sku, { "X-Deadline-Ms": "5000" })).status).toBe(201);
    expect(await getSku(sku)).toMatchObject({ held: 1 });
  });

  it("key: arms the one object owning the key in any service — a per-entity service's entity", async () => {
    const user = uniqueSku("user");
    const start = () => http("POST", `/v1/sessions/${user}`, { body: { device: "phone" } });
    const armed = await injectFault({ service: "sessions", key: user, kind: "crash" });
    expect(armed.status).toBe(201);
    expectProblem(await start(), 500, "internal-error");
    expect((await start()).status).toBe(201);
    // Another user's entity was never armed.
    expect(
      (await http("POST", `/v1/sessions/${uniqueSku("user")}`, { body: { device: "phone" } }))
        .status,
    ).toBe(201);
    // Without a key there is nothing to arm: an entity service has no fixed objects.
    expectProblem(
      await http("POST", "/v1/ops/faults", {
        admin: true,
        body: { service: "sessions", kind: "crash" },
      }),
      400,
      "invalid-request",
    );
  });

  it("shard: arms only shard number `shard` of the service", async () => {
    const { on, off, shard } = skusOnTwoShards();
    await putSku(on, 5);
    await putSku(off, 5);
    const armed = await injectFault({ service: "inventory", shard, kind: "overload", count: 5 });
    expect(armed.status).toBe(201);
    expect(armed.json.shards).toEqual([new ShardRouter(env).locate("inventory", on).name]);
    expectProblem(await hold(on), 503, "overloaded");
    expect((await hold(off)).status).toBe(201);
  });

  it("no target: arms every shard of the service, and DELETE clears every fault of every kind", async () => {
    const { on, off } = skusOnTwoShards();
    await putSku(on, 5);
    await putSku(off, 5);
    const armed = await injectFault({ service: "inventory", kind: "overload", count: 10 });
    expect(armed.json.shards).toHaveLength(shardCount("inventory"));
    await injectFault({ service: "inventory", sku: on, kind: "latency", ms: 2000, count: 10 });
    expectProblem(await hold(on), 503, "overloaded");
    expectProblem(await hold(off), 503, "overloaded");
    const cleared = await http("DELETE", "/v1/ops/faults", { admin: true });
    expect(cleared.status).toBe(200);
    expect(cleared.json.cleared).toHaveLength(allShards());
    const router = new ShardRouter(env);
    for (const sku of [on, off]) {
      const shard = router.locate("inventory", sku);
      expect(await router.actor(shard).inspect()).toMatchObject({ faults: [] });
      expect((await hold(sku)).status).toBe(201);
    }
  });
});
