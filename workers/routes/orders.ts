import type { Context, Hono } from "hono";
import type { z } from "zod";
import { idParam, orderBody } from "../../core/http";
import { logEvent } from "../../core/log";
import type { OrderView, ShardAddress } from "../../durable-objects";
import type { OrderRequest } from "../../durable-objects/orders/protocol";
import type { Failure, Reply } from "../../durable-objects/runtime";
import { queueingOrders } from "../automation";
import type { AppEnv } from "../context";
import { fromFailure, Problem } from "../errors";
import { clientRateLimit } from "../middleware/client-rate-limit";
import { jsonBody } from "../middleware/json-body";
import { input, validate } from "../middleware/validate";
import { resource } from "../resource";
import { callService } from "../service-call";
import { serviceRoute } from "../service-route";
import { breakerFor, objectKey, underPressure } from "../shard-call";
import { countShed } from "../visibility/edge-metrics";
import { itemsFingerprint, recoveredOrder, unknownOrder, unwithdrawnOrder } from "./order-recovery";

/** Refusals after which a client that allows it gets 202 + a queued order instead of 503. */
const SHEDDABLE = new Set(["overloaded", "circuit-open", "service-unavailable"]);

/** The same key always designates the same order: the id is a hash of the key. */
export async function orderIdOf(idempotencyKey: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(idempotencyKey));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `o_${hex.slice(0, 32)}`;
}

/** RFC 7240: does the client accept an asynchronous answer? */
const prefersAsync = (c: Context<AppEnv>) =>
  (c.req.header("Prefer") ?? "")
    .split(",")
    .some((p) => p.trim().split(";")[0]?.trim().toLowerCase() === "respond-async");

/** An order's view with the status its state calls for: 201, 409, or 202 + Location. */
function orderResponse(c: Context<AppEnv>, view: OrderView): Response {
  if (view.status === "confirmed") return c.json(view, 201);
  if (view.status === "rejected") return c.json(view, 409);
  c.header("Location", `/v1/orders/${view.orderId}`);
  return c.json(view, 202);
}

/**
 * The shed path: record the order as `queued` (visible at once; intake is never refused
 * for load), then hand it to the queue. If the queue refuses, the record is withdrawn so
 * the 503 the client gets stays true: nothing was created.
 */
async function shed(
  c: Context<AppEnv>,
  shard: ShardAddress,
  request: OrderRequest,
  refusal: Failure,
) {
  const ref = c.get("router").to("orders", request.orderId);
  let intake: Reply<{ order: OrderView; created: boolean }>;
  try {
    intake = await ref.call("enqueueOrder", request);
  } catch {
    // The RPC broke, its effect unknown: the order may be recorded (its intake timer would
    // run it), so a 503 "created nothing" stands only when reading it back finds nothing.
    const recorded = await unwithdrawnOrder(c, request);
    if (recorded === "unknown") throw unknownOrder();
    if (recorded !== "gone") return orderResponse(c, recorded);
    intake = refusal;
  }
  if (!intake.ok) throw fromFailure(intake.code === "idempotency-key-reused" ? intake : refusal);
  const { order, created } = intake.value;
  // An order that already existed (a retry) is answered as it stands; it is on its way.
  if (!created) return orderResponse(c, order);
  try {
    await c.env.ORDERS_QUEUE.send({ ...request, enqueuedAt: Date.now() }, { contentType: "json" });
  } catch (error) {
    logEvent("error", "orders-queue-refused", {
      requestId: c.get("requestId"),
      orderId: request.orderId,
      shard: shard.name,
      error: (error as Error).message,
    });
    // Only the record this request created is withdrawn, so the 503 stays true; if the
    // withdrawal did not certainly happen, the order still exists and is answered as such.
    const withdrawal = await ref
      .call("withdrawQueued", { orderId: request.orderId })
      .catch(() => null);
    const withdrawn = withdrawal?.ok === true && withdrawal.value.withdrawn;
    const left = withdrawn ? "gone" : await unwithdrawnOrder(c, request);
    if (left !== "gone" && left !== "unknown") return orderResponse(c, left);
    countShed(shard.service, "service-unavailable");
    if (left === "unknown") throw unknownOrder();
    throw new Problem("service-unavailable", "orders cannot be queued right now", 5000);
  }
  countShed(shard.service, "queued");
  return orderResponse(c, order);
}

/** Order routes: placing an order (a saga across inventory shards) and reading it. */
export function orderRoutes(app: Hono<AppEnv>): void {
  resource(app, "/v1/orders", {
    POST: [
      jsonBody(),
      validate({ body: orderBody, idempotencyKey: "required" }),
      clientRateLimit(),
      async (c) => {
        const { body, idempotencyKey = "" } = input<z.infer<typeof orderBody>>(c);
        const orderId = await orderIdOf(idempotencyKey);
        const request: OrderRequest = {
          orderId,
          items: body.items,
          fingerprint: itemsFingerprint(body.items),
        };
        const router = c.get("router");
        const shard = router.locate("orders", orderId);
        const async = prefersAsync(c);
        // Back pressure: a client that accepts 202 is queued before it piles onto a shard
        // whose circuit is open or whose last answers said work is already waiting, or
        // while automation queues orders under a sustained overload alarm.
        const tracked = objectKey(shard);
        const pressed = breakerFor(tracked).state === "open" || underPressure(tracked);
        if (async && (pressed || queueingOrders(c))) {
          return shed(c, shard, request, {
            ok: false,
            code: "overloaded",
            detail: `shard ${shard.name} is failing or saturated`,
          });
        }
        // The order id is the key's hash, so it is the idempotency key as it stands.
        const reply = await callService(c, {
          service: "orders",
          key: orderId,
          command: "placeOrder",
          kind: "effect",
          payload: request,
          // With the body's fingerprint: a concurrent duplicate joins the running saga only
          // with the same items; another body runs apart and its first step refuses it.
          idempotency: { key: orderId, fingerprint: request.fingerprint },
        });
        if (reply.ok) return orderResponse(c, reply.value);
        if (async && SHEDDABLE.has(reply.code)) return shed(c, shard, request, reply);
        const started = await recoveredOrder(c, request, reply);
        if (started) return orderResponse(c, started);
        throw fromFailure(reply);
      },
    ],
  });

  resource(app, "/v1/orders/:orderId", {
    GET: serviceRoute({
      service: "orders",
      command: "getOrder",
      kind: "read",
      params: { orderId: idParam },
      key: ({ params }) => params.orderId,
      payload: ({ params }) => ({ orderId: params.orderId }),
    }),
  });
}
