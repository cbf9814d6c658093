import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { placeHoldBody, skuParam } from "../../core/http";
import { ShardRouter } from "../../durable-objects";
import { type ActorRef, fail, ok, type Protocol } from "../../durable-objects/runtime";
import type { AppEnv } from "../../workers/context";
import { fromFailure, onError } from "../../workers/errors";
import { resource } from "../../workers/resource";
import { deliveryOf, isIdempotent, type ServiceCall } from "../../workers/service-call";
import { serviceRoute } from "../../workers/service-route";
import { logsDuring } from "../log-lines";
import { expectProblem, http, putSku, uniqueSku } from "./client";

afterEach(() => vi.restoreAllMocks());

/** An RPC error as workerd throws it for a broken connection: `retryable` set. */
const brokenRpc = () => Object.assign(new Error("Network connection lost."), { retryable: true });

/**
 * Makes the first `failures` calls through `router.ref` (which `router.to` and the inventory
 * client both use) throw a broken-RPC error (the command never reached the actor) and counts
 * every call, so a test sees what the route retried. The inventory client's placement reads
 * pass through uncounted: they are its own, not the route's command.
 */
function breakFirstCalls(failures: number) {
  const original = ShardRouter.prototype.ref;
  const commands: string[] = [];
  vi.spyOn(ShardRouter.prototype, "ref").mockImplementation(function (
    this: ShardRouter,
    ...args: Parameters<typeof original>
  ) {
    const ref = original.apply(this, args) as unknown as ActorRef<Protocol>;
    return {
      call: async (command: string, payload: unknown, meta: unknown) => {
        if (command === "getPlacement") return ref.call(command, payload as never, meta as never);
        commands.push(command);
        if (commands.length <= failures) throw brokenRpc();
        return ref.call(command, payload as never, meta as never);
      },
    } as unknown as ReturnType<typeof original>;
  });
  return commands;
}

describe("Retries decided by the command kind", () => {
  it("states the rule: reads and absolute writes always, effects only with an Idempotency-Key", () => {
    expect(isIdempotent("read", false)).toBe(true);
    expect(isIdempotent("absolute", false)).toBe(true);
    expect(isIdempotent("effect", false)).toBe(false);
    expect(isIdempotent("effect", true)).toBe(true);
  });

  it("turns the rule into the delivery the guard reads: reads apart, then idempotent or once", () => {
    expect(deliveryOf("read", false)).toBe("read");
    expect(deliveryOf("absolute", false)).toBe("idempotent");
    expect(deliveryOf("effect", true)).toBe("idempotent");
    expect(deliveryOf("effect", false)).toBe("once");
  });

  it("retries a read (GET sku) past a broken RPC", async () => {
    const sku = uniqueSku("route-read");
    await putSku(sku, 5);
    const calls = breakFirstCalls(1);
    const r = await http("GET", `/v1/skus/${sku}`);
    expect(r.status).toBe(200);
    expect(calls).toEqual(["getSku", "getSku"]);
  });

  it("retries an absolute write (confirm) past a broken RPC", async () => {
    const sku = uniqueSku("route-absolute");
    await putSku(sku, 5);
    const placed = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });
    const calls = breakFirstCalls(1);
    const r = await http("POST", `/v1/skus/${sku}/holds/${placed.json.holdId}/confirm`);
    expect(r.status).toBe(200);
    expect(calls).toEqual(["confirmHold", "confirmHold"]);
  });

  it("does not resend an unkeyed effect (a hold without Idempotency-Key): 500, sent once", async () => {
    const sku = uniqueSku("route-effect");
    await putSku(sku, 5);
    const calls = breakFirstCalls(1);
    let r: Awaited<ReturnType<typeof http>> | undefined;
    await logsDuring(async () => {
      r = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 1 } });
    });
    if (!r) throw new Error("no answer");
    expectProblem(r, 500, "internal-error");
    expect(calls).toEqual(["placeHold"]);
  });

  it("resends a keyed effect, and the key is scoped by command scope and sku", async () => {
    const sku = uniqueSku("route-keyed");
    await putSku(sku, 5);
    const calls = breakFirstCalls(1);
    const headers = { "Idempotency-Key": "route-key-1" };
    const first = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 2 }, headers });
    expect(first.status).toBe(201);
    expect(calls).toEqual(["placeHold", "placeHold"]);
    vi.restoreAllMocks();
    // The same key on the same sku is the same hold; on another sku it is another hold.
    const again = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 2 }, headers });
    expect(again.json.holdId).toBe(first.json.holdId);
    const other = uniqueSku("route-keyed-other");
    await putSku(other, 5);
    const elsewhere = await http("POST", `/v1/skus/${other}/holds`, {
      body: { quantity: 2 },
      headers,
    });
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.json.holdId).not.toBe(first.json.holdId);
    // The body's fingerprint travels with the key: another body under it is refused.
    const reused = await http("POST", `/v1/skus/${sku}/holds`, { body: { quantity: 3 }, headers });
    expectProblem(reused, 422, "idempotency-key-reused");
  });
});

describe("A route's own sender", () => {
  it("gets the call as built (routing key, payload, scoped key, fingerprint) and its reply is answered", async () => {
    const seen: ServiceCall<"inventory", "placeHold">[] = [];
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set("router", new ShardRouter(c.env));
      c.set("admin", false);
      c.set("deadline", { kind: "none" });
      await next();
    });
    app.onError(onError);
    // Under inventory's routePrefix: `resource` refuses a service route outside it.
    resource(app, "/v1/skus/:sku/spread", {
      POST: serviceRoute({
        service: "inventory",
        command: "placeHold",
        kind: "effect",
        params: { sku: skuParam },
        body: placeHoldBody,
        idempotencyKey: "optional",
        scope: "hold",
        key: ({ params }) => params.sku,
        payload: ({ params, body }) => ({ sku: params.sku, ...body }),
        status: 201,
        send: async (_c, call) => {
          seen.push(call);
          return ok({ holdId: "h-1", sku: call.key, quantity: 2, status: "active", expiresAt: "" });
        },
      }),
    });
    const r = await app.request(
      "/v1/skus/hot-1/spread",
      {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": "k-9" },
        body: JSON.stringify({ quantity: 2 }),
      },
      env,
    );
    expect(r.status).toBe(201);
    expect(await r.json()).toMatchObject({ holdId: "h-1", sku: "hot-1" });
    expect(seen).toEqual([
      {
        service: "inventory",
        key: "hot-1",
        command: "placeHold",
        kind: "effect",
        payload: { sku: "hot-1", quantity: 2, ttlSeconds: 300 },
        idempotency: { key: "hold/hot-1/k-9", fingerprint: '{"quantity":2,"ttlSeconds":300}' },
      },
    ]);
  });
});

describe("Answers", () => {
  it("answers a code no service declares as a 500 and logs it as undeclared", async () => {
    let problem: ReturnType<typeof fromFailure> | undefined;
    const lines = await logsDuring(async () => {
      problem = fromFailure(fail("payment-declined", "the card was declined"));
    });
    expect(problem?.code).toBe("internal-error");
    expect(problem?.status).toBe(500);
    expect(lines).toContainEqual(
      expect.objectContaining({ event: "undeclared-failure-code", code: "payment-declined" }),
    );
  });

  it("answers a declared service failure with its declared status", () => {
    expect(fromFailure(fail("hold-not-active", "hold h is expired")).status).toBe(409);
  });
});

describe("Route declarations are checked against the service's protocol", () => {
  it("refuses an unknown command and a payload of the wrong shape at compile time", () => {
    const routes = [
      serviceRoute({
        service: "inventory",
        // @ts-expect-error inventory has no command "getOrder"
        command: "getOrder",
        kind: "read",
        key: () => "k",
        payload: () => ({ sku: "s" }),
      }),
      serviceRoute({
        service: "orders",
        command: "getOrder",
        kind: "read",
        key: () => "k",
        // @ts-expect-error getOrder takes { orderId }
        payload: () => ({ sku: "s" }),
      }),
    ];
    // A non-admin route is one handler: its stages run as calls, not as a middleware chain.
    expect(routes.map((handlers) => handlers.length)).toEqual([1, 1]);
  });
});
