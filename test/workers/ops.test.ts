import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ServiceName } from "../../durable-objects";
import { createApp } from "../../workers/app";
import { expectProblem, getSku, http, injectFault, putSku, uniqueSku } from "./client";
import { SERVICES, shardCount, supervisedChildren } from "./services";

const hold = (sku: string, headers: Record<string, string> = {}) =>
  http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 }, headers });

describe("Supervision view", () => {
  it("needs the admin token", async () => {
    expectProblem(await http("GET", "/v1/ops/supervision"), 401, "unauthorized");
  });

  it("shows root, a supervisor per service with its flags, and every shard (or entity partition) with its restarts", async () => {
    const r = await http("GET", "/v1/ops/supervision", { admin: true });
    expect(r.status).toBe(200);
    const services = r.json.children as {
      id: string;
      supervisor: Record<string, unknown> & { children: unknown[] };
    }[];
    expect(services.map((s) => s.id)).toEqual([...SERVICES]);
    for (const service of services) {
      expect(service.supervisor).toMatchObject({
        strategy: "one_for_one",
        intensity: 5,
        periodMs: 10_000,
        status: "running",
      });
      const children = supervisedChildren(service.id as ServiceName);
      expect(service.supervisor.children).toHaveLength(children.length);
      expect(service.supervisor.children[0]).toMatchObject({
        id: children[0],
        status: "running",
        restarts: 0,
        lastCrash: null,
      });
    }
  });

  it("answers 404 when restarting an unknown service", async () => {
    expectProblem(
      await http("POST", "/v1/ops/supervision/payments/restart", { admin: true }),
      404,
      "not-found",
    );
  });

  it("answers 200 with the view when restarting a service that is up (a no-op)", async () => {
    const r = await http("POST", "/v1/ops/supervision/orders/restart", { admin: true });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: "orders", status: "running" });
  });
});

describe("Fault injection", () => {
  it("crashes the next command on the target: 500, writes rolled back, a restart counted, then it serves", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    expect((await injectFault({ service: "inventory", sku, kind: "crash" })).status).toBe(201);
    expectProblem(await hold(sku), 500, "internal-error");
    expect(await getSku(sku)).toMatchObject({ held: 0, version: 1 });
    expect((await hold(sku)).status).toBe(201);
    const tree = await http("GET", "/v1/ops/supervision", { admin: true });
    const inventory = (
      tree.json.children as {
        supervisor: { children: { restarts: number; lastCrash: unknown }[] };
      }[]
    )[0];
    expect(
      inventory?.supervisor.children.some((c) => c.restarts >= 1 && c.lastCrash !== null),
    ).toBe(true);
  });

  it("adds latency before the deadline check, so a late command is dropped unstarted", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    await injectFault({ service: "inventory", sku, kind: "latency", ms: 150 });
    expectProblem(await hold(sku, { "X-Deadline-Ms": "50" }), 503, "deadline-exceeded");
    expect(await getSku(sku)).toMatchObject({ held: 0 });
  });

  it("refuses as overloaded with Retry-After, without touching state", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    await injectFault({ service: "inventory", sku, kind: "overload", count: 2 });
    const r = await hold(sku);
    expectProblem(r, 503, "overloaded");
    expect(r.headers.get("Retry-After")).toBe("1");
    expect(await getSku(sku)).toMatchObject({ held: 0 });
  });

  it("leaves reads untouched", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    await injectFault({ service: "inventory", sku, kind: "crash" });
    expect((await http("GET", `/v1/skus/${sku}`)).status).toBe(200);
    await http("DELETE", "/v1/ops/faults", { admin: true });
  });

  it("clears an armed fault on DELETE (every kind on every shard: fault-targeting.test.ts)", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    await injectFault({ service: "inventory", sku, kind: "overload", count: 10 });
    expect((await http("DELETE", "/v1/ops/faults", { admin: true })).status).toBe(200);
    expect((await hold(sku)).status).toBe(201);
  });

  it("validates the fault and its target", async () => {
    expectProblem(
      await injectFault({ service: "inventory", kind: "melt" }),
      400,
      "invalid-request",
    );
    expectProblem(
      await injectFault({ service: "inventory", shard: shardCount("inventory"), kind: "crash" }),
      400,
      "invalid-request",
    );
    expectProblem(
      await injectFault({ service: "orders", sku: "x", kind: "crash" }),
      400,
      "invalid-request",
    );
    expectProblem(
      await http("POST", "/v1/ops/faults", { body: { service: "orders", kind: "crash" } }),
      401,
      "unauthorized",
    );
  });

  it("does not exist unless FAULT_INJECTION is on", async () => {
    const app = createApp();
    const off = { ...env, FAULT_INJECTION: "off" };
    const ctx = createExecutionContext();
    const request = (method: string) =>
      new Request("http://edge.test/v1/ops/faults", {
        method,
        headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
        body: method === "POST" ? JSON.stringify({ service: "orders", kind: "crash" }) : undefined,
      });
    const post = await app.fetch(request("POST"), off, ctx);
    const del = await app.fetch(request("DELETE"), off, ctx);
    await waitOnExecutionContext(ctx);
    expect([post.status, del.status]).toEqual([404, 404]);
    expect(post.headers.get("Content-Type")).toBe("application/problem+json");
  });
});

describe("Operators' reserved share", () => {
  it("serves admin writes and reads on a shard that refuses client writes as overloaded", async () => {
    const sku = uniqueSku();
    await putSku(sku, 5);
    await injectFault({ service: "inventory", sku, kind: "overload", count: 3 });
    expectProblem(await hold(sku), 503, "overloaded");
    expect((await http("PUT", `/v1/skus/${sku}`, { body: { stock: 9 }, admin: true })).status).toBe(
      200,
    );
    expect((await http("GET", `/v1/skus/${sku}`)).status).toBe(200);
    await http("DELETE", "/v1/ops/faults", { admin: true });
  });
});
