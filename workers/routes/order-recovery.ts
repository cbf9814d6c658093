import type { Context } from "hono";
import { canonicalJson } from "../../core/http";
import type { OrderView } from "../../durable-objects";
import type { OrderRequest } from "../../durable-objects/orders/protocol";
import type { Failure, Reply } from "../../durable-objects/runtime";
import type { AppEnv } from "../context";
import { Problem } from "../errors";
import { clientDeadline } from "../reply";
import { guarded } from "../shard-call";

/**
 * Failures after which the order may exist: `interrupted` (the saga crashed past its first
 * durable step), `internal-error` (a crash), and any failure the edge marked
 * `effectUnknown` (an attempt's RPC broke: it may have run before a retry was refused).
 */
const mayHaveStarted = (failure: Failure): boolean =>
  failure.effectUnknown === true ||
  failure.code === "interrupted" ||
  failure.code === "internal-error";

/** An order's items as its idempotency compares them: by sku, whatever order they came in. */
export const itemsFingerprint = (items: OrderRequest["items"]): string =>
  canonicalJson([...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)));

/**
 * The order read back under this request's key: its view when it is this request's order,
 * `422 idempotency-key-reused` when the key holds another body's order (this request did
 * nothing and never will).
 */
function sameOrder(view: OrderView, request: OrderRequest): OrderView {
  if (itemsFingerprint(view.items) === request.fingerprint) return view;
  throw new Problem(
    "idempotency-key-reused",
    "this Idempotency-Key was already used with a different request body",
  );
}

/**
 * A `500` or `503` means nothing happened and nothing will. When placing an order failed in a
 * way that may have left it durable, the answer is the order's current view instead: read it
 * back (another body's order under the key is `422`). `interrupted` is certain the order
 * exists, so if the read fails too the answer is the pending view this request describes
 * (its saga resumes on its shard's timer); after a broken RPC (`effectUnknown`) nobody knows,
 * so the answer is a `503` asking for a retry with the same key (`unknownOrder`) — even when
 * the read finds nothing, as the broken attempt may not have run yet. `null` when the actor
 * itself answered and the order does not exist (nothing of a crash before the first step is
 * kept): the failure stands.
 */
export async function recoveredOrder(
  c: Context<AppEnv>,
  request: OrderRequest,
  failure: Failure,
): Promise<OrderView | null> {
  if (!mayHaveStarted(failure)) return null;
  const router = c.get("router");
  const { orderId } = request;
  const read = await guarded(
    router.locate("orders", orderId),
    { delivery: "read", deadline: clientDeadline(c) },
    (meta) => router.orders(orderId).call("getOrder", { orderId }, meta),
  ).catch(() => null);
  if (read?.ok) return sameOrder(read.value, request);
  // After a broken call even `not-found` proves nothing: the attempt may still be waiting
  // for admission on the shard (reads skip it) and record the order after this read.
  if (failure.effectUnknown && failure.code !== "interrupted") throw unknownOrder();
  if (failure.code !== "interrupted") return null;
  const now = new Date().toISOString();
  return { orderId, status: "pending", items: request.items, createdAt: now, updatedAt: now };
}

/**
 * Whether an order the shed path may have recorded exists: its view (its intake timer will
 * run it, so a `503` "created nothing" would be false; another body's order under the key is
 * `422`), `gone`, or `unknown` when it cannot be read either — then the only honest answer
 * is a `503` asking for a retry with the same key (`unknownOrder`), never a `202` for an
 * order that may not exist.
 */
export async function unwithdrawnOrder(
  c: Context<AppEnv>,
  request: OrderRequest,
): Promise<OrderView | "gone" | "unknown"> {
  const router = c.get("router");
  const { orderId } = request;
  let read: Reply<OrderView>;
  try {
    read = await router.orders(orderId).call("getOrder", { orderId });
  } catch {
    return "unknown";
  }
  if (read.ok) return sameOrder(read.value, request);
  return read.code === "not-found" ? "gone" : "unknown";
}

/** The `503` for an order whose existence the edge could not learn: the same key settles it. */
export const unknownOrder = () =>
  new Problem(
    "service-unavailable",
    "whether the order was recorded could not be confirmed; retry with the same Idempotency-Key",
    1000,
  );
