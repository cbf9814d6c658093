import type { OrderItem, OrderStatus, OrderView } from "./protocol";

/** Where an order's saga stands. `queued` waits for the queue; `final` is done. */
export type SagaPhase = "queued" | "acquiring" | "committing" | "compensating" | "final";

/** Per item: how far its inventory hold got. */
export type ItemProgress = "pending" | "held" | "confirmed" | "released";

export interface OrderRecord {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly phase: SagaPhase;
  readonly items: readonly OrderItem[];
  readonly progress: Readonly<Record<string, ItemProgress>>;
  readonly reason: string | null;
  readonly fingerprint: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the saga began acquiring (a queued order starts later than it was created). */
  readonly startedAt: number | null;
  readonly attempts: number;
}

type Row = {
  order_id: string;
  status: OrderStatus;
  phase: SagaPhase;
  items: string;
  progress: string;
  reason: string | null;
  fingerprint: string;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  attempts: number;
};

export const orderView = (o: OrderRecord): OrderView => ({
  orderId: o.orderId,
  status: o.status,
  items: o.items,
  ...(o.reason === null ? {} : { reason: o.reason }),
  createdAt: new Date(o.createdAt).toISOString(),
  updatedAt: new Date(o.updatedAt).toISOString(),
});

/** The order shard's one table: each order with its saga progress, so a crash resumes. */
export class OrderStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS orders (
      order_id TEXT PRIMARY KEY, status TEXT NOT NULL, phase TEXT NOT NULL, items TEXT NOT NULL,
      progress TEXT NOT NULL, reason TEXT, fingerprint TEXT NOT NULL, created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL, started_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0)`);
    sql.exec("CREATE TABLE IF NOT EXISTS order_promises (order_id TEXT PRIMARY KEY)");
  }

  /**
   * Notes that a queued order was answered to a request other than the one that recorded it
   * (a retry of the same key): someone holds a `202` for it, so it may no longer be withdrawn.
   */
  promise(orderId: string): void {
    this.#sql.exec("INSERT OR IGNORE INTO order_promises (order_id) VALUES (?)", orderId);
  }

  /** Whether a queued order was promised to another request (see `promise`). */
  promised(orderId: string): boolean {
    return (
      this.#sql.exec("SELECT 1 FROM order_promises WHERE order_id = ?", orderId).toArray().length >
      0
    );
  }

  /** The order left `queued` (it runs, or was rejected): its promise has nothing left to guard. */
  unpromise(orderId: string): void {
    this.#sql.exec("DELETE FROM order_promises WHERE order_id = ?", orderId);
  }

  get(orderId: string): OrderRecord | undefined {
    const row = this.#sql
      .exec<Row>("SELECT * FROM orders WHERE order_id = ?", orderId)
      .toArray()[0];
    if (!row) return undefined;
    return {
      orderId: row.order_id,
      status: row.status,
      phase: row.phase,
      items: JSON.parse(row.items) as OrderItem[],
      progress: JSON.parse(row.progress) as Record<string, ItemProgress>,
      reason: row.reason,
      fingerprint: row.fingerprint,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      startedAt: row.started_at,
      attempts: row.attempts,
    };
  }

  delete(orderId: string): void {
    this.#sql.exec("DELETE FROM orders WHERE order_id = ?", orderId);
  }

  save(o: OrderRecord): OrderRecord {
    this.#sql.exec(
      `INSERT OR REPLACE INTO orders
       (order_id, status, phase, items, progress, reason, fingerprint, created_at, updated_at, started_at, attempts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      o.orderId,
      o.status,
      o.phase,
      JSON.stringify(o.items),
      JSON.stringify(o.progress),
      o.reason,
      o.fingerprint,
      o.createdAt,
      o.updatedAt,
      o.startedAt,
      o.attempts,
    );
    return o;
  }
}
