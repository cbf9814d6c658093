import type { HoldLimits } from "../limits/config";
import { type Failure, fail } from "../runtime";
import type { ClientHoldTotals } from "./client-holds";

/** What the policy needs to know about a client's hold request. */
export interface HoldAsk {
  readonly sku: string;
  readonly quantity: number;
  readonly ttlSeconds: number;
  /** The client's address (`CF-Connecting-IP`); absent for saga holds, which are exempt. */
  readonly client?: string;
}

/**
 * Adds the `client` column to `holds` in databases created before it existed (SQLite has no
 * `ADD COLUMN IF NOT EXISTS`), and the index a refusal's `Retry-After` reads.
 */
export function migrateClientColumn(sql: SqlStorage): void {
  const columns = sql.exec<{ name: string }>("PRAGMA table_info(holds)").toArray();
  if (!columns.some((c) => c.name === "client"))
    sql.exec("ALTER TABLE holds ADD COLUMN client TEXT");
  sql.exec("CREATE INDEX IF NOT EXISTS holds_client ON holds (client, sku, status, expires_at)");
}

/**
 * Anti-hoarding policy for client holds, checked before stock: one request may take at most
 * `maxQuantity` units for at most `maxTtlSeconds` (`409 hold-too-large`), and one client may
 * hold at most `maxUnitsPerClient` units of a sku at once (`429 client-hold-limit`, with
 * `Retry-After` when its soonest hold expires). `null` when the hold may proceed.
 *
 * The client's units are its total in the shard's memory (`ClientHoldTotals`), which counts
 * active holds: the caller expires the sku's due holds first, so none past its time counts.
 */
export function refuseHoarding(
  totals: ClientHoldTotals,
  limits: HoldLimits,
  ask: HoldAsk,
  now: number,
): Failure | null {
  return refuseTooLarge(limits, ask) ?? refuseOverLimit(totals, limits, ask, now);
}

/** `hold-too-large` for a client hold over the per-request limits (`null`: within them). */
function refuseTooLarge(limits: HoldLimits, ask: HoldAsk): Failure | null {
  if (ask.client === undefined) return null;
  if (ask.quantity > limits.maxQuantity) {
    return fail(
      "hold-too-large",
      `quantity ${ask.quantity} is over the limit of ${limits.maxQuantity} units per hold`,
    );
  }
  if (ask.ttlSeconds > limits.maxTtlSeconds) {
    return fail(
      "hold-too-large",
      `ttlSeconds ${ask.ttlSeconds} is over the limit of ${limits.maxTtlSeconds} seconds per hold`,
    );
  }
  return null;
}

/** `client-hold-limit` when the client's units and this ask pass its cap (`null`: within). */
function refuseOverLimit(
  totals: ClientHoldTotals,
  limits: HoldLimits,
  ask: HoldAsk,
  now: number,
): Failure | null {
  if (ask.client === undefined) return null;
  const units = totals.units(ask.client, ask.sku);
  if (units + ask.quantity <= limits.maxUnitsPerClient) return null;
  const soonest = totals.soonestExpiry(ask.client, ask.sku) ?? now;
  return fail(
    "client-hold-limit",
    `client ${ask.client} already holds ${units} units of ${ask.sku}; ${ask.quantity} more would pass the limit of ${limits.maxUnitsPerClient} per client`,
    // Not recorded under an Idempotency-Key: a 429 is "not now", and a keyed retry after
    // Retry-After must be judged again, not answered with the same refusal for a day.
    { retryAfterMs: Math.max(1000, soonest - now), unrecorded: true },
  );
}
