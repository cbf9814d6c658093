import type { HoldView } from "../inventory/protocol";
import { InventoryClient } from "../inventory/spread/client";
import type { ShardRouter } from "../routing";
import type { Reply } from "../runtime";

/** How one inventory step went: done, refused for good, or worth trying again later. */
export type StepOutcome =
  | { readonly kind: "done" }
  | { readonly kind: "refused"; readonly code: string }
  | { readonly kind: "transient"; readonly code: string };

/**
 * How long a saga may run before it gives up and compensates (its holds use this TTL too).
 * Retention must keep compensation tombstones at least this long, or a late duplicate of a
 * saga step could hold stock again.
 */
export const SAGA_TIMEOUT_MS = 300_000;

/** Codes that no retry will change: the order is rejected and compensated. */
const DEFINITIVE = new Set(["insufficient-stock", "not-found", "hold-not-active"]);

const failure = (code: string): StepOutcome =>
  DEFINITIVE.has(code) ? { kind: "refused", code } : { kind: "transient", code };

/** A hold request succeeded only if the hold it answers is active or already confirmed. */
export function holdPlaced(reply: Reply<HoldView>): StepOutcome {
  if (!reply.ok) return failure(reply.code);
  return reply.value.status === "active" || reply.value.status === "confirmed"
    ? { kind: "done" }
    : { kind: "refused", code: "hold-not-active" };
}

export function holdConfirmed(reply: Reply<HoldView>): StepOutcome {
  return reply.ok ? { kind: "done" } : failure(reply.code);
}

/**
 * Compensation is done when the hold is released (a confirmed one reversed), expired, or
 * never existed (tombstoned).
 */
export function holdReleased(reply: Reply<HoldView>): StepOutcome {
  if (reply.ok) return { kind: "done" };
  if (reply.code === "not-found") return { kind: "done" };
  if (reply.code === "hold-not-active") return { kind: "done" }; // expired: stock is back
  return failure(reply.code);
}

/** A step whose RPC threw (object reset, network) is transient by nature. */
export async function attempt(
  call: () => Promise<Reply<HoldView>>,
  judge: (reply: Reply<HoldView>) => StepOutcome,
): Promise<StepOutcome> {
  try {
    return judge(await call());
  } catch {
    return { kind: "transient", code: "internal-error" };
  }
}

/**
 * Hold ids derive from the order, so every saga step is idempotent across retries. The `~`
 * puts them outside the alphabet the edge accepts for hold ids: clients cannot confirm or
 * release a saga's holds behind its back.
 */
export const holdIdOf = (orderId: string, sku: string): string => `~${orderId}.${sku}`;

/**
 * The saga's way to inventory: plain calls (the saga retries by itself), through the client
 * that knows hot SKUs. A saga hold (`holdIdOf`) always lives on sub-shard 0 of a spread sku
 * — the sku's home, where confirmation and compensation already go — and a shortfall there
 * is covered by moving allocation to it before the hold is answered.
 */
export const sagaInventory = (router: ShardRouter): InventoryClient =>
  new InventoryClient(router, (_address, _delivery, send) => send({}));
