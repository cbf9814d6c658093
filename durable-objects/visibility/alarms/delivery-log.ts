/** How many deliveries the notification log keeps (the contract shows at most 100). */
export const DELIVERY_RETENTION = 100;

export type DeliveryStatus = "pending" | "delivered" | "dead-lettered";

/** One notification in the delivery log, as `GET /v1/ops/notifications` shows it. */
export interface Delivery {
  readonly id: string;
  readonly type: string;
  readonly alarmId: string;
  readonly attempts: number;
  readonly status: DeliveryStatus;
  readonly lastStatusCode: number | null;
  readonly lastAttemptAt: string | null;
  /** When the queue tries again (pending deliveries that were retried), else null. */
  readonly nextAttemptAt: string | null;
}

type Row = Record<string, SqlStorageValue>;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The notification delivery log (the newest `DELIVERY_RETENTION`) and the cumulative
 * outcome counters `/metrics` reads. Tables are created by `AlarmStore`.
 */
export class DeliveryLog {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  #rows(query: string, ...args: SqlStorageValue[]): Row[] {
    return this.#sql.exec<Row>(query, ...args).toArray();
  }

  get(id: string): Delivery | null {
    const r = this.#rows("SELECT * FROM alarm_deliveries WHERE id = ?", id)[0];
    return r ? deliveryOf(r) : null;
  }

  /** The newest deliveries first, at most `DELIVERY_RETENTION`. */
  recent(): Delivery[] {
    return this.#rows(
      "SELECT * FROM alarm_deliveries ORDER BY created_at DESC, rowid DESC LIMIT ?",
      DELIVERY_RETENTION,
    ).map(deliveryOf);
  }

  add(id: string, type: string, alarmId: string, at: number): void {
    this.#sql.exec(
      "INSERT OR IGNORE INTO alarm_deliveries VALUES (?, ?, ?, 0, 'pending', NULL, NULL, ?, NULL)",
      id,
      type,
      alarmId,
      at,
    );
    this.#sql.exec(
      `DELETE FROM alarm_deliveries WHERE rowid NOT IN
        (SELECT rowid FROM alarm_deliveries ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
      DELIVERY_RETENTION,
    );
  }

  /** Records an attempt's outcome; `code: undefined` keeps the last status code (no attempt made). */
  update(
    id: string,
    change: {
      attempts: number;
      status: DeliveryStatus;
      code?: number | null;
      at: number;
      nextAt?: number;
    },
  ): void {
    this.#sql.exec(
      `UPDATE alarm_deliveries SET attempts = MAX(attempts, ?), status = ?,
        last_status_code = CASE WHEN ? THEN ? ELSE last_status_code END,
        last_attempt_at = ?, next_attempt_at = ? WHERE id = ?`,
      change.attempts,
      change.status,
      change.code !== undefined ? 1 : 0,
      change.code ?? null,
      change.at,
      change.nextAt ?? null,
      id,
    );
  }

  count(name: string): number {
    return Number(
      this.#rows("SELECT value FROM alarm_counters WHERE name = ?", name)[0]?.value ?? 0,
    );
  }

  increment(name: string, by = 1): void {
    this.#sql.exec(
      "INSERT INTO alarm_counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value",
      name,
      by,
    );
  }
}

function deliveryOf(r: Row): Delivery {
  return {
    id: String(r.id),
    type: String(r.type),
    alarmId: String(r.alarm_id),
    attempts: Number(r.attempts),
    status: r.status as DeliveryStatus,
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastAttemptAt: r.last_attempt_at === null ? null : iso(Number(r.last_attempt_at)),
    nextAttemptAt: r.next_attempt_at === null ? null : iso(Number(r.next_attempt_at)),
  };
}
