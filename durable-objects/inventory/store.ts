import { ClientHoldTotals } from "./client-holds";
import { migrateClientColumn } from "./hold-policy";
import type { HoldStatus, HoldView, SkuView, StockEvent } from "./protocol";

type SkuRow = Readonly<{
  sku: string;
  stock: number;
  held: number;
  sold: number;
  version: number;
}>;
type HoldRow = {
  hold_id: string;
  sku: string;
  quantity: number;
  status: HoldStatus;
  expires_at: number;
  /** Who placed it (`CF-Connecting-IP`), for per-client limits; `null` for saga holds. */
  client?: string | null;
};

/** Sku rows a shard keeps in memory before it starts over (bounded memory under many skus). */
const KNOWN_SKUS = 4096;

/**
 * The one index of holds by time: `(status, expires_at)` finds due active holds (of the
 * shard, or of one sku among them), the earliest active expiry, and finished holds for the
 * purge. It replaced two (`holds_active` led by sku, `holds_finished`) that indexed the same
 * columns: every hold written updated both. Created before they are dropped, so a shard
 * started on an older database is never without one.
 */
function createStatusIndex(sql: SqlStorage): void {
  sql.exec("CREATE INDEX IF NOT EXISTS holds_by_time ON holds (status, expires_at)");
  sql.exec("DROP INDEX IF EXISTS holds_active");
  sql.exec("DROP INDEX IF EXISTS holds_finished");
}

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
  /**
   * Sku rows read or written by this incarnation: the shard is its skus' only writer and
   * every write goes through `saveSku`, so a row once known is the stored row for the rest
   * of the incarnation (an actor's state in memory, as a gen_server keeps it), and a
   * command reads its sku without a query. A transaction that fails crashes the incarnation
   * (let it crash), whose end (`forget`, from the shard's `onReset`) drops these rows before
   * anything else can read them — the stock feed's timers included — so a rolled-back write
   * never outlives its transaction here. Bounded: cleared when full (rows are read again).
   */
  readonly #skus = new Map<string, SkuRow>();
  /**
   * Units per client and sku in active holds, in memory like the sku rows: every hold this
   * store writes (`insertHold`, `settleHold`, its only writers of holds) updates them.
   */
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
    createStatusIndex(sql);
    migrateClientColumn(sql);
    this.clientTotals = new ClientHoldTotals(sql);
    sql.exec(`CREATE TABLE IF NOT EXISTS stock_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT NOT NULL, type TEXT NOT NULL, at INTEGER NOT NULL)`);
  }

  sku(sku: string): SkuRow | undefined {
    const known = this.#skus.get(sku);
    if (known) return known;
    const row = this.#sql
      .exec<SkuRow>("SELECT sku, stock, held, sold, version FROM skus WHERE sku = ?", sku)
      .toArray()[0];
    if (row) this.#remember(row);
    return row;
  }

  hold(holdId: string): HoldRow | undefined {
    return this.#sql
      .exec<HoldRow>(
        "SELECT hold_id, sku, quantity, status, expires_at, client FROM holds WHERE hold_id = ?",
        holdId,
      )
      .toArray()[0];
  }

  /**
   * Saves a SKU's counters, bumping its version: `before` is its row as read in this
   * transaction (`undefined`: it has none yet). A known row is an `UPDATE` by key and
   * version, which is every write's path; only a new sku pays an insert.
   */
  saveSku(before: SkuRow | undefined, row: SkuRow): SkuRow {
    const next = { ...row, version: row.version + 1 };
    if (before) {
      const written = this.#sql.exec(
        "UPDATE skus SET stock = ?, held = ?, sold = ?, version = ? WHERE sku = ? AND version = ?",
        next.stock,
        next.held,
        next.sold,
        next.version,
        next.sku,
        before.version,
      ).rowsWritten; // counts index writes too: only 0 means "no row"
      // Memory and storage disagree (a bug): fail the transaction, the incarnation crashes
      // and the next one reads the stored row, rather than overwrite it with stale counts.
      if (written === 0) throw new Error(`sku ${next.sku} is not at version ${before.version}`);
    } else {
      this.#sql.exec(
        "INSERT INTO skus (sku, stock, held, sold, version) VALUES (?, ?, ?, ?, ?)",
        next.sku,
        next.stock,
        next.held,
        next.sold,
        next.version,
      );
    }
    this.#remember(next);
    return next;
  }

  /**
   * Drops the rows kept in memory (the shard's incarnation ended: they may include a write
   * that was rolled back); every reader then reads storage again.
   */
  forget(): void {
    this.#skus.clear();
    this.clientTotals.forget();
  }

  #remember(row: SkuRow): void {
    if (this.#skus.size >= KNOWN_SKUS && !this.#skus.has(row.sku)) this.#skus.clear();
    this.#skus.set(row.sku, row);
  }

  /** Records a new hold (its id must be new: a duplicate fails the transaction). */
  insertHold(row: HoldRow): HoldRow {
    this.#sql.exec(
      "INSERT INTO holds (hold_id, sku, quantity, status, expires_at, client) VALUES (?, ?, ?, ?, ?, ?)",
      row.hold_id,
      row.sku,
      row.quantity,
      row.status,
      row.expires_at,
      row.client ?? null,
    );
    this.clientTotals.moved(row, null, row.status);
    return row;
  }

  /** Moves a hold, as read in this transaction (`row`), to `status`. */
  settleHold(row: HoldRow, status: HoldStatus): HoldRow {
    this.#sql.exec("UPDATE holds SET status = ? WHERE hold_id = ?", status, row.hold_id);
    this.clientTotals.moved(row, row.status, status);
    return { ...row, status };
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
