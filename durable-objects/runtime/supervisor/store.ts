import type { ChildStatus, SupervisorSpec } from "./spec";

/** One child's persisted record. */
export interface ChildRecord {
  readonly id: string;
  readonly status: ChildStatus;
  readonly restarts: number;
  readonly lastReason: string | null;
  readonly lastAt: number | null;
  readonly downSince: number | null;
}

/**
 * Everything a supervisor must not forget lives here, in SQLite: its spec, whether it gave
 * up, its restart window and each child's record. An evicted supervisor that is crash-looping
 * comes back knowing it.
 */
export class SupervisorStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS sup_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec(
      `CREATE TABLE IF NOT EXISTS sup_children (
        id TEXT PRIMARY KEY, status TEXT NOT NULL, restarts INTEGER NOT NULL DEFAULT 0,
        last_reason TEXT, last_at INTEGER, down_since INTEGER)`,
    );
  }

  #get<T>(key: string): T | null {
    const row = this.#sql
      .exec<{ value: string }>("SELECT value FROM sup_state WHERE key = ?", key)
      .toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }

  #set(key: string, value: unknown): void {
    if (value === null) this.#sql.exec("DELETE FROM sup_state WHERE key = ?", key);
    else
      this.#sql.exec(
        "INSERT OR REPLACE INTO sup_state (key, value) VALUES (?, ?)",
        key,
        JSON.stringify(value),
      );
  }

  get spec(): SupervisorSpec | null {
    return this.#get<SupervisorSpec>("spec");
  }
  set spec(spec: SupervisorSpec | null) {
    this.#set("spec", spec);
  }

  /** Timestamps of restarts still inside the window (pruned on every record). */
  get history(): number[] {
    return this.#get<number[]>("history") ?? [];
  }
  set history(history: number[]) {
    this.#set("history", history);
  }

  /** Why this supervisor gave up (`reached_max_restart_intensity` naming the child), or null. */
  get stoppedReason(): string | null {
    return this.#get<string>("stopped");
  }
  set stoppedReason(reason: string | null) {
    this.#set("stopped", reason);
  }

  /**
   * Bumped whenever the whole tree changes hands (gave up, stopped, restarted): a restart
   * flow that awaited a child and sees another epoch is stale and stops.
   */
  get epoch(): number {
    return this.#get<number>("epoch") ?? 0;
  }
  bumpEpoch(): number {
    const next = this.epoch + 1;
    this.#set("epoch", next);
    return next;
  }

  child(id: string): ChildRecord {
    const row = this.#sql
      .exec<{
        status: ChildStatus;
        restarts: number;
        last_reason: string | null;
        last_at: number | null;
        down_since: number | null;
      }>(
        "SELECT status, restarts, last_reason, last_at, down_since FROM sup_children WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (!row) {
      return {
        id,
        status: "running",
        restarts: 0,
        lastReason: null,
        lastAt: null,
        downSince: null,
      };
    }
    return {
      id,
      status: row.status,
      restarts: row.restarts,
      lastReason: row.last_reason,
      lastAt: row.last_at,
      downSince: row.down_since,
    };
  }

  saveChild(record: ChildRecord): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO sup_children (id, status, restarts, last_reason, last_at, down_since)
       VALUES (?, ?, ?, ?, ?, ?)`,
      record.id,
      record.status,
      record.restarts,
      record.lastReason,
      record.lastAt,
      record.downSince,
    );
  }

  updateChild(id: string, change: Partial<Omit<ChildRecord, "id">>): ChildRecord {
    const next = { ...this.child(id), ...change };
    this.saveChild(next);
    return next;
  }
}
