import { ClientHoldTotals } from "./client-holds";
import { migrateClientColumn } from "./hold-policy";
import type { HoldStatus, HoldView, SkuView, StockEvent } from "./protocol";

type SkuRow = {
  sku: string;
  stock: number;
  held: number;
  sold: number;
  version: number;
};
type HoldRow = {
  hold_id: string;
  sku: string;
  quantity: number;
  status: HoldStatus;
  expires_at: number;
  /** Who placed it (`CF-Connecting-IP`), for per-client limits; `null` for saga holds. */
  client?: string | null;
};

export const skuView = (row: SkuRow): SkuView => ({
  sku: row.sku,
  stock: row.stock,
  available: row.stock - row.held - row.sold,
  held: row.held,
  sold: row.sold,
  version: row.version,
});

export const holdView = (row: HoldRow): HoldView => ({
  holdId: row.hold_id,
  sku: row.sku,
  quantity: row.quantity,
  status: row.status,
  expiresAt: new Date(row.expires_at).toISOString(),
});

/**
 * The inventory shard's tables. Every method is synchronous SQL, so a command composed of
 * them runs inside one transaction. The invariant `held + sold <= stock` is also a CHECK
 * constraint: a bug that would oversell fails the transaction instead of committing.
 */
export class InventoryStore {
  readonly #sql: SqlStorage;
  /** Units per client and sku in active holds, kept by triggers on `holds`. */
  readonly clientTotals: ClientHoldTotals;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS skus (
      sku TEXT PRIMARY KEY, stock INTEGER NOT NULL, held INTEGER NOT NULL DEFAULT 0,
      sold INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,
      CHECK (held >= 0 AND sold >= 0 AND held + sold <= stock))`);
    sql.exec(`CREATE TABLE IF NOT EXISTS holds (
      hold_id TEXT PRIMARY KEY, sku TEXT NOT NULL, quantity INTEGER NOT NULL,
      status TEXT NOT NULL, expires_at INTEGER NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS holds_active ON holds (sku, status, expires_at)");
    migrateClientColumn(sql);
    this.clientTotals = new ClientHoldTotals(sql);
    sql.exec(`CREATE TABLE IF NOT EXISTS stock_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL)`);
  }

  sku(sku: string): SkuRow | undefined {
    return this.#sql
      .exec<SkuRow>("SELECT sku, stock, held, sold, version FROM skus WHERE sku = ?", sku)
      .toArray()[0];
  }

  hold(holdId: string): HoldRow | undefined {
    return this.#sql
      .exec<HoldRow>(
        "SELECT hold_id, sku, quantity, status, expires_at, client FROM holds WHERE hold_id = ?",
        holdId,
      )
      .toArray()[0];
  }

  /** Creates or updates a SKU's counters, bumping its version. */
  saveSku(row: SkuRow): SkuRow {
    const next = { ...row, version: row.version + 1 };
    this.#sql.exec(
      `INSERT INTO skus (sku, stock, held, sold, version) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET stock = excluded.stock, held = excluded.held,
         sold = excluded.sold, version = excluded.version`,
      next.sku,
      next.stock,
      next.held,
      next.sold,
      next.version,
    );
    return next;
  }

  /**
   * Creates or updates a hold. An update is in place (not `INSERT OR REPLACE`), so the
   * triggers that keep `clientTotals` see the old row go and the new one come.
   */
  saveHold(row: HoldRow): HoldRow {
    this.#sql.exec(
      `INSERT INTO holds (hold_id, sku, quantity, status, expires_at, client) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (hold_id) DO UPDATE SET sku = excluded.sku, quantity = excluded.quantity,
         status = excluded.status, expires_at = excluded.expires_at, client = excluded.client`,
      row.hold_id,
      row.sku,
      row.quantity,
      row.status,
      row.expires_at,
      row.client ?? null,
    );
    return row;
  }

  /** Active holds of `sku` whose time is up. */
  dueHolds(sku: string, now: number): HoldRow[] {
    return this.#sql
      .exec<HoldRow>(
        `SELECT hold_id, sku, quantity, status, expires_at, client FROM holds
         WHERE sku = ? AND status = 'active' AND expires_at <= ?`,
        sku,
        now,
      )
      .toArray();
  }

  /** Active holds of any sku whose time is up, soonest first, at most `limit`. */
  dueHoldsOfShard(now: number, limit: number): HoldRow[] {
    return this.#sql
      .exec<HoldRow>(
        `SELECT hold_id, sku, quantity, status, expires_at, client FROM holds
         WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
        now,
        limit,
      )
      .toArray();
  }

  /** When the shard's first active hold expires (`null`: none is active). */
  earliestActiveExpiry(): number | null {
    return this.#sql
      .exec<{ at: number | null }>(
        "SELECT MIN(expires_at) AS at FROM holds WHERE status = 'active'",
      )
      .one().at;
  }

  recordEvent(sku: string, type: StockEvent["type"], at: number): void {
    this.#sql.exec("INSERT INTO stock_events (sku, type, at) VALUES (?, ?, ?)", sku, type, at);
  }

  events(sku: string): StockEvent[] {
    return this.#sql
      .exec<{ seq: number; sku: string; type: StockEvent["type"]; at: number }>(
        "SELECT seq, sku, type, at FROM stock_events WHERE sku = ? ORDER BY seq",
        sku,
      )
      .toArray()
      .map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
  }
}

export type { HoldRow, SkuRow };
