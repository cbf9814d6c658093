import type { HoldLimits } from "../limits/config";
import { type Failure, fail } from "../runtime";

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
 * `ADD COLUMN IF NOT EXISTS`), and the index the per-client sum reads.
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
 */
export function refuseHoarding(
  sql: SqlStorage,
  limits: HoldLimits,
  ask: HoldAsk,
  now: number,
): Failure | null {
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
  const mine = sql
    .exec<{ units: number; soonest: number | null }>(
      `SELECT COALESCE(SUM(quantity), 0) AS units, MIN(expires_at) AS soonest FROM holds
       WHERE client = ? AND sku = ? AND status = 'active' AND expires_at > ?`,
      ask.client,
      ask.sku,
      now,
    )
    .one();
  if (mine.units + ask.quantity <= limits.maxUnitsPerClient) return null;
  return fail(
    "client-hold-limit",
    `client ${ask.client} already holds ${mine.units} units of ${ask.sku}; ${ask.quantity} more would pass the limit of ${limits.maxUnitsPerClient} per client`,
    { retryAfterMs: Math.max(1000, (mine.soonest ?? now) - now) },
  );
}
