/**
 * Units each client holds of each sku right now, as a running total: one row per
 * (client, sku) with active holds. It replaced a `SUM` over the client's active holds on
 * every hold request, which grew with the client's holds (a profile of the write path put
 * it at ~40% of a shard's CPU once one client held a few thousand holds).
 *
 * SQLite triggers on `holds` keep the total, so it changes in the same statement — hence
 * the same transaction — as the hold row itself, whichever command writes it (place,
 * confirm, release, expire, compensate, and any command added later): a hold counts while
 * its status is `active` and it has a client. Saga holds (`client` NULL) and compensation
 * tombstones (`released`) never count. `units >= 0` is a CHECK constraint, so a bookkeeping
 * bug fails its transaction instead of committing a wrong total. Rows at 0 are deleted: the
 * table holds only clients that hold something.
 *
 * Writers must update holds in place (an `UPDATE`, as `InventoryStore.settleHold` does), never
 * with `INSERT OR REPLACE`: a replace deletes the old row without firing the delete trigger.
 */
export class ClientHoldTotals {
  readonly #sql: SqlStorage;

  /** Creates the table and its triggers (idempotent); backfills from `holds` once. */
  constructor(sql: SqlStorage) {
    this.#sql = sql;
    ensureClientTotals(sql);
  }

  /** Units `client` holds of `sku` in active holds (0 when none). */
  units(client: string, sku: string): number {
    const row = this.#sql
      .exec<{ units: number }>(
        "SELECT units FROM client_holds WHERE client = ? AND sku = ?",
        client,
        sku,
      )
      .toArray()[0];
    return row?.units ?? 0;
  }

  /** The soonest expiry among the client's active holds of `sku` (read only on a refusal). */
  soonestExpiry(client: string, sku: string): number | null {
    return this.#sql
      .exec<{ soonest: number | null }>(
        `SELECT MIN(expires_at) AS soonest FROM holds
         WHERE client = ? AND sku = ? AND status = 'active'`,
        client,
        sku,
      )
      .one().soonest;
  }
}

const ACTIVE_NEW = "NEW.status = 'active' AND NEW.client IS NOT NULL";
const ACTIVE_OLD = "OLD.status = 'active' AND OLD.client IS NOT NULL";
const ADD_NEW = `INSERT INTO client_holds (client, sku, units)
  SELECT NEW.client, NEW.sku, NEW.quantity WHERE ${ACTIVE_NEW}
  ON CONFLICT (client, sku) DO UPDATE SET units = units + excluded.units;`;
const SUBTRACT_OLD = `UPDATE client_holds SET units = units - OLD.quantity
  WHERE ${ACTIVE_OLD} AND client = OLD.client AND sku = OLD.sku;
  DELETE FROM client_holds WHERE client = OLD.client AND sku = OLD.sku AND units = 0;`;

/**
 * The migration of databases created before the running total existed: the table is
 * created and filled from the active client holds already there in one synchronous block
 * (a Durable Object commits writes with no `await` between them atomically), so an existing
 * shard starts with exact totals; later starts find the table and change nothing.
 */
function ensureClientTotals(sql: SqlStorage): void {
  const exists =
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'client_holds'").toArray()
      .length > 0;
  if (!exists) {
    sql.exec(`CREATE TABLE client_holds (
      client TEXT NOT NULL, sku TEXT NOT NULL, units INTEGER NOT NULL CHECK (units >= 0),
      PRIMARY KEY (client, sku))`);
    sql.exec(`INSERT INTO client_holds (client, sku, units)
      SELECT client, sku, SUM(quantity) FROM holds
      WHERE status = 'active' AND client IS NOT NULL GROUP BY client, sku
      HAVING SUM(quantity) > 0`);
  }
  sql.exec(`CREATE TRIGGER IF NOT EXISTS client_holds_insert AFTER INSERT ON holds
    WHEN ${ACTIVE_NEW} BEGIN ${ADD_NEW} END`);
  sql.exec(`CREATE TRIGGER IF NOT EXISTS client_holds_update AFTER UPDATE ON holds
    WHEN (${ACTIVE_OLD}) OR (${ACTIVE_NEW}) BEGIN ${SUBTRACT_OLD} ${ADD_NEW} END`);
  sql.exec(`CREATE TRIGGER IF NOT EXISTS client_holds_delete AFTER DELETE ON holds
    WHEN ${ACTIVE_OLD} BEGIN ${SUBTRACT_OLD} END`);
}
