import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { fail, ok, type Reply } from "../../durable-objects/runtime";
import { createApp } from "../../workers/app";
import { breakerFor, guarded, objectKey } from "../../workers/shard-call";
import { logsDuring } from "../log-lines";
import { expectProblem, freshShardSkus, http, injectFault, putSku, uniqueSku } from "./client";

const hold = (sku: string) => http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });

afterEach(async () => {
  vi.restoreAllMocks();
  await http("DELETE", "/v1/ops/faults", { admin: true });
  await http("POST", "/v1/ops/supervision/inventory/restart", { admin: true });
});

/** Breakers are per shard and per isolate: each test takes a shard no other test here used. */
const skuOnFreshShard = freshShardSkus("policy");

describe("The edge breaker counts crashes, not load", () => {
  it("stays closed through more overload refusals than its failure threshold", async () => {
    const sku = skuOnFreshShard();
    await putSku(sku, 50);
    // Threshold 5: five crashes would open it; five refusals for load must not.
    await injectFault({ service: "inventory", sku, kind: "overload", count: 6 });
    for (let i = 0; i < 6; i++) expectProblem(await hold(sku), 503, "overloaded");
    const shard = objectKey(new ShardRouter(env).locate("inventory", sku));
    expect(breakerFor(shard).state).toBe("closed");
    expect((await hold(sku)).status).toBe(201);
  });
});

/** An RPC error as workerd throws it for a broken connection: `retryable` set. */
const brokenRpc = () => Object.assign(new Error("Network connection lost."), { retryable: true });

function flakyShard(failures: number) {
  const shard = { service: "inventory" as const, index: 0, name: uniqueSku("flaky-shard") };
  let calls = 0;
  const send = async (): Promise<Reply<string>> => {
    calls += 1;
    if (calls <= failures) throw brokenRpc();
    return ok("served");
  };
  return { shard, send, calls: () => calls };
}

describe("Edge retries of broken RPC", () => {
  it("retries a broken RPC of an idempotent command twice and returns the third attempt's answer", async () => {
    const flaky = flakyShard(2);
    const reply = await guarded(
      flaky.shard,
      { delivery: "idempotent", deadline: undefined },
      flaky.send,
    );
    expect(reply).toMatchObject({ ok: true, value: "served" });
    expect(flaky.calls()).toBe(3);
    expect(breakerFor(objectKey(flaky.shard)).state).toBe("closed");
  });

  it("gives up after two retries and answers internal-error", async () => {
    const flaky = flakyShard(3);
    let reply: unknown;
    const lines = await logsDuring(async () => {
      reply = await guarded(
        flaky.shard,
        { delivery: "idempotent", deadline: undefined },
        flaky.send,
      );
    });
    expect(reply).toMatchObject({ ok: false, code: "internal-error" });
    expect(flaky.calls()).toBe(3);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        event: "shard-rpc-failed",
        shard: flaky.shard.name,
        error: "Network connection lost.",
      }),
    );
  });

  it("says a write whose every attempt broke may have taken effect, and never says so of a read", async () => {
    const answers = await logsDuring(async () => {
      for (const read of [false, true]) {
        const flaky = flakyShard(3);
        const reply = await guarded(
          flaky.shard,
          { delivery: read ? "read" : "idempotent", deadline: undefined },
          flaky.send,
        );
        expect(reply).toMatchObject({ ok: false, code: "internal-error" });
        if (reply.ok) continue;
        expect(reply.effectUnknown).toBe(read ? undefined : true);
        expect(/may have taken effect/.test(reply.detail)).toBe(!read);
      }
    });
    expect(answers.filter((line) => line.event === "shard-rpc-failed")).toHaveLength(2);
  });

  it("marks a refusal after a broken attempt effectUnknown for a write, never for a read", async () => {
    for (const read of [false, true]) {
      const shard = { service: "inventory" as const, index: 0, name: uniqueSku("broke-then-busy") };
      let calls = 0;
      const reply = await guarded(
        shard,
        { delivery: read ? "read" : "idempotent", deadline: undefined },
        async (): Promise<Reply<string>> => {
          calls += 1;
          if (calls === 1) throw brokenRpc();
          throw Object.assign(new Error("Durable Object is overloaded."), { overloaded: true });
        },
      );
      expect(reply).toMatchObject({ ok: false, code: "overloaded" });
      if (reply.ok) continue;
      expect(reply.effectUnknown).toBe(read ? undefined : true);
    }
  });

  it("never retries a command that is not idempotent", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const flaky = flakyShard(1);
    const reply = await guarded(flaky.shard, { delivery: "once", deadline: undefined }, flaky.send);
    expect(reply).toMatchObject({ ok: false, code: "internal-error" });
    expect(flaky.calls()).toBe(1);
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it("never retries an overloaded answer", async () => {
    const shard = { service: "inventory" as const, index: 0, name: uniqueSku("busy-shard") };
    let calls = 0;
    const reply = await guarded(
      shard,
      { delivery: "idempotent", deadline: undefined },
      async () => {
        calls += 1;
        return fail("overloaded", "busy", { retryAfterMs: 1000 });
      },
    );
    expect(reply).toMatchObject({ ok: false, code: "overloaded" });
    expect(calls).toBe(1);
  });
});

describe("Per-client rate limit", () => {
  const app = createApp();
  const limited = { ...env, RATE_LIMIT_PER_MINUTE: "1" };
  const request = (method: string, path: string, client: string, admin = false) =>
    app.fetch(
      new Request(`http://edge.test${path}`, {
        method,
        headers: {
          "Content-Type": "application/json",
          "CF-Connecting-IP": client,
          ...(admin ? { Authorization: "Bearer test-admin-token" } : {}),
        },
        body:
          method === "GET"
            ? undefined
            : JSON.stringify(path.endsWith("/holds") ? { quantity: 1 } : { stock: 50 }),
      }),
      limited,
      createExecutionContext(),
    );

  it("limits each client on its own: one client over its limit does not touch another", async () => {
    const sku = uniqueSku();
    await putSku(sku, 50);
    const [a, b] = [
      `203.0.113.${Math.floor(Math.random() * 120)}`,
      `203.0.113.${130 + Math.floor(Math.random() * 120)}`,
    ];
    expect((await request("POST", `/v1/skus/${sku}/holds`, a)).status).toBe(201);
    expect((await request("POST", `/v1/skus/${sku}/holds`, a)).status).toBe(429);
    expect((await request("POST", `/v1/skus/${sku}/holds`, b)).status).toBe(201);
  });

  it("exempts admin requests: an operator over the client limit still writes", async () => {
    const sku = uniqueSku();
    const client = `198.18.0.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 3; i++) {
      expect((await request("PUT", `/v1/skus/${sku}`, client, true)).status).toBe(200);
    }
    expect((await request("POST", `/v1/skus/${sku}/holds`, client)).status).toBe(201);
    expect((await request("POST", `/v1/skus/${sku}/holds`, client)).status).toBe(429);
    expect((await request("PUT", `/v1/skus/${sku}`, client, true)).status).toBe(200);
  });
});
