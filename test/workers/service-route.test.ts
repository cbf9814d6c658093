import { afterEach, describe, expect, it, vi } from "vitest";
import { ShardRouter } from "../../durable-objects";
import { type ActorRef, fail, type Protocol } from "../../durable-objects/runtime";
import { fromFailure } from "../../workers/errors";
import { isIdempotent } from "../../workers/service-call";
import { serviceRoute } from "../../workers/service-route";
import { logsDuring } from "../log-lines";
import { expectProblem, http, putSku, uniqueSku } from "./client";

afterEach(() => vi.restoreAllMocks());

/** An RPC error as workerd throws it for a broken connection: `retryable` set. */
const brokenRpc = () => Object.assign(new Error("Network connection lost."), { retryable: true });

/**
 * Makes the first `failures` calls through `router.to` throw a broken-RPC error (the command
 * never reached the actor) and counts every call, so a test sees what the route retried.
 */
function breakFirstCalls(failures: number) {
  const original = ShardRouter.prototype.to;
  const commands: string[] = [];
  vi.spyOn(ShardRouter.prototype, "to").mockImplementation(function (
    this: ShardRouter,
    ...args: Parameters<typeof original>
  ) {
    const ref = original.apply(this, args) as unknown as ActorRef<Protocol>;
    return {
      call: async (command: string, payload: unknown, meta: unknown) => {
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
    expect(routes.every((handlers) => handlers.length === 2)).toBe(true);
  });
});
