import { RuntimeTables } from "./runtime-tables";

const TABLE = "_bulwark_timers";

/** A timer that came due: its name, the payload it was scheduled with, and failed attempts. */
export interface DueTimer {
  readonly name: string;
  readonly payload: unknown;
  readonly attempts: number;
}

/**
 * Many named timers multiplexed onto the one alarm a Durable Object has. Timers live in
 * SQLite, so they survive eviction and restarts; scheduling an existing name moves it, so a
 * timer fires once however often it is set. The alarm is re-armed lazily (`arm`) after a
 * message, not inside its transaction: a rolled-back message must not leave an alarm behind,
 * and a spurious alarm is harmless (nothing is due, the alarm is re-armed for the next one).
 *
 * Cost per timer: `schedule` is one indexed upsert; `arm` reads the earliest due (one index
 * probe) and calls `setAlarm` only when that earliest time changed. A timer due no earlier
 * than the alarm already armed needs neither: the alarm comes first and re-arms, so a busy
 * object that schedules a later timer with every message pays no alarm work for it.
 * The table is created with the object's first write (`RuntimeTables`): an object that
 * never set a timer has none, and cancelling or reading there creates nothing.
 */
export class Timers {
  readonly #storage: DurableObjectStorage;
  readonly #tables: RuntimeTables;
  #armedAt: number | null | undefined;
  #dirty = true;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    this.#tables = RuntimeTables.of(storage);
    this.#tables.define(
      TABLE,
      `CREATE TABLE IF NOT EXISTS _bulwark_timers (
        name TEXT PRIMARY KEY, due INTEGER NOT NULL, payload TEXT, attempts INTEGER NOT NULL DEFAULT 0)`,
      "CREATE INDEX IF NOT EXISTS _bulwark_timers_due ON _bulwark_timers (due)",
    );
    // Erased storage has no alarm left: the next `arm` asks the platform again.
    this.#tables.onErased(() => {
      this.#armedAt = undefined;
      this.#dirty = true;
    });
  }

  /** Sets timer `name` to fire at `due` (epoch ms); replaces an existing one of that name. */
  schedule(name: string, due: number, payload: unknown = null): void {
    this.#tables.write(
      `INSERT INTO _bulwark_timers (name, due, payload, attempts) VALUES (?, ?, ?, 0)
       ON CONFLICT (name) DO UPDATE SET due = excluded.due, payload = excluded.payload, attempts = 0`,
      name,
      Math.floor(due),
      JSON.stringify(payload),
    );
    // Moving a timer later may leave the alarm early: a spurious wake-up, which re-arms.
    if (typeof this.#armedAt !== "number" || due < this.#armedAt) this.#dirty = true;
  }

  /** Cancels timer `name`; cancelling a timer that does not exist does nothing. */
  cancel(name: string): void {
    this.#tables.query(TABLE, "DELETE FROM _bulwark_timers WHERE name = ?", name);
    this.#dirty = true;
  }

  /** Cancels every timer whose name starts with `prefix` (one range of the primary key). */
  cancelPrefix(prefix: string): void {
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    this.#tables.query(
      TABLE,
      "DELETE FROM _bulwark_timers WHERE name >= ? AND name < ?",
      prefix,
      end,
    );
    this.#dirty = true;
  }

  /** When timer `name` is due, or `null` if it is not set. */
  dueAt(name: string): number | null {
    const row = this.#tables.query<{ due: number }>(
      TABLE,
      "SELECT due FROM _bulwark_timers WHERE name = ?",
      name,
    )[0];
    return row ? row.due : null;
  }

  /** When the last timer not in `names` is due, or `null` if no other timer is set. */
  latestDueExcept(...names: string[]): number | null {
    return (
      this.#tables.query<{ due: number | null }>(
        TABLE,
        `SELECT MAX(due) AS due FROM _bulwark_timers WHERE name NOT IN (${names.map(() => "?").join(", ")})`,
        ...names,
      )[0]?.due ?? null
    );
  }

  /** Timers due at `now`, oldest first, at most `limit` of them. */
  due(now: number, limit = 100): DueTimer[] {
    return this.#tables
      .query<{ name: string; payload: string | null; attempts: number }>(
        TABLE,
        "SELECT name, payload, attempts FROM _bulwark_timers WHERE due <= ? ORDER BY due LIMIT ?",
        now,
        limit,
      )
      .map((row) => ({
        name: row.name,
        payload: row.payload === null ? null : JSON.parse(row.payload),
        attempts: row.attempts,
      }));
  }

  /**
   * Consumes a fired timer that was due at `firedDue`; if its handler set it again for
   * another time, the new one stays. For a synchronous handler the runtime does it in the
   * handler's transaction, so the effect and the timer's end commit together; a timer whose
   * handler failed is still there and fires again (handlers must be idempotent).
   */
  consume(name: string, firedDue: number): void {
    this.#tables.query(
      TABLE,
      "DELETE FROM _bulwark_timers WHERE name = ? AND due = ?",
      name,
      Math.floor(firedDue),
    );
    this.#dirty = true;
  }

  /** Keeps a timer whose handler failed, moved to `due`, with its attempt count raised. */
  retryLater(name: string, due: number): number {
    const row = this.#tables.query<{ attempts: number }>(
      TABLE,
      "UPDATE _bulwark_timers SET due = ?, attempts = attempts + 1 WHERE name = ? RETURNING attempts",
      Math.floor(due),
      name,
    )[0];
    this.#dirty = true;
    return row?.attempts ?? 0;
  }

  /** Whether the alarm may be out of date: `arm` would have something to check. */
  get stale(): boolean {
    return this.#dirty;
  }

  /** Points the object's alarm at the earliest timer (or clears it). Cheap when nothing changed. */
  async arm(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const next =
      this.#tables.query<{ due: number | null }>(
        TABLE,
        "SELECT MIN(due) AS due FROM _bulwark_timers",
      )[0]?.due ?? null;
    await this.#pointAlarmAt(next);
  }

  /**
   * Points the object's alarm at timer `name` alone (or clears it when `name` is not set):
   * for an actor that runs no other timer now (stopped by its supervisor). The next `arm`
   * looks at every timer again.
   */
  async armOnly(name: string): Promise<void> {
    this.#dirty = true;
    await this.#pointAlarmAt(this.dueAt(name));
  }

  async #pointAlarmAt(next: number | null): Promise<void> {
    if (this.#armedAt === undefined) this.#armedAt = await this.#storage.getAlarm();
    if (next === this.#armedAt) return;
    this.#armedAt = next;
    if (next === null) await this.#storage.deleteAlarm();
    else await this.#storage.setAlarm(next);
  }

  /** The platform fired (or dropped) the alarm: the next `arm` must look again. */
  alarmFired(): void {
    this.#armedAt = null;
    this.#dirty = true;
  }
}
