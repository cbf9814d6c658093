import type { Context } from "hono";
import type { OrderView } from "../../durable-objects";
import type { OrderRequest } from "../../durable-objects/orders/protocol";
import type { Failure } from "../../durable-objects/runtime";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { clientDeadline } from "../reply";
import { guarded } from "../shard-call";

/**
 * Failures after which the order may exist: `interrupted` (the saga crashed past its first
 * durable step) and `internal-error` (a crash or a broken RPC whose effect is unknown).
 */
const MAY_HAVE_STARTED = new Set(["interrupted", "internal-error"]);

/**
 * A `500` means nothing happened and nothing will. When placing an order failed in a way that
 * may have left it durable, the answer is the order's current view instead: read it back.
 * `interrupted` is certain the order exists, so if the read fails too the answer is the
 * pending view this request describes (its saga resumes on its shard's timer). `null` when
 * the order does not exist: the failure stands.
 */
export async function recoveredOrder(
  c: Context<AppEnv>,
  request: OrderRequest,
  failure: Failure,
): Promise<OrderView | null> {
  if (!MAY_HAVE_STARTED.has(failure.code)) return null;
  const router = c.get("router");
  const { orderId } = request;
  const read = await guarded(
    router.locate("orders", orderId),
    { idempotent: true, deadline: clientDeadline(c) },
    (meta) => router.orders(orderId).call("getOrder", { orderId }, meta),
  ).catch(() => null);
  if (read?.ok) return read.value;
  if (failure.code !== "interrupted") return null;
  const now = new Date().toISOString();
  return { orderId, status: "pending", items: request.items, createdAt: now, updatedAt: now };
}

/**
 * Whether an order the shed path may have recorded exists: its view (its intake timer will
 * run it, so a `503` "created nothing" would be false), `gone`, or `unknown` when it cannot
 * be read either — then the only honest answer is a `503` asking for a retry with the same
 * key (`unknownOrder`), never a `202` for an order that may not exist.
 */
export async function unwithdrawnOrder(
  c: Context<AppEnv>,
  orderId: string,
): Promise<OrderView | "gone" | "unknown"> {
  const router = c.get("router");
  try {
    const read = await router.orders(orderId).call("getOrder", { orderId });
    if (read.ok) return read.value;
    return read.code === "not-found" ? "gone" : "unknown";
  } catch {
    return "unknown";
  }
}

/** The `503` for an order whose existence the edge could not learn: the same key settles it. */
export const unknownOrder = () =>
  new Problem(
    "service-unavailable",
    "whether the order was recorded could not be confirmed; retry with the same Idempotency-Key",
    1000,
  );
