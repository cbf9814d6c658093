import type { Retention } from "../limits/config";
import type { PurgeRun } from "../retention/schedule";

/** The index the purge reads final orders by (created with the shard's table). */
export function createRetentionIndex(sql: SqlStorage): void {
  sql.exec("CREATE INDEX IF NOT EXISTS orders_final ON orders (phase, updated_at)");
}

/**
 * Deletes, oldest first and at most `batch`, final orders (confirmed or rejected) last
 * updated more than `ordersMs` ago. After that their Idempotency-Key designates nothing: a
 * retry that late creates a new order (as any idempotency key expires somewhere).
 */
export function purgeOrders(sql: SqlStorage, retention: Retention, now: number): PurgeRun {
  const purged = sql
    .exec(
      `DELETE FROM orders WHERE order_id IN (SELECT order_id FROM orders
       WHERE phase = 'final' AND updated_at <= ? ORDER BY updated_at LIMIT ?) RETURNING order_id`,
      now - retention.ordersMs,
      retention.batch,
    )
    .toArray().length;
  const oldest = sql
    .exec<{ at: number | null }>("SELECT MIN(updated_at) AS at FROM orders WHERE phase = 'final'")
    .one().at;
  return { purged, nextDueAt: oldest === null ? null : oldest + retention.ordersMs };
}
