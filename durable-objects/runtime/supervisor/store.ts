import type { ResolvedChildSpec } from "../../../core/supervision";
import type { ChildCounts, ChildStatus, ResolvedSupervisorSpec } from "./spec";

/** One child's persisted record. `dynamic` rows are instances of the template spec. */
export interface ChildRow {
  readonly id: string;
  readonly seq: number;
  readonly spec: ResolvedChildSpec;
  readonly dynamic: boolean;
  readonly status: ChildStatus;
  readonly generation: number;
  readonly restarts: number;
  readonly lastReason: string | null;
  readonly lastAt: number | null;
  readonly downSince: number | null;
}

/** The supervisor's own phase: not yet started, running, or stopped (and why). */
export type SupervisorPhase =
  | { readonly phase: "unstarted" }
  | { readonly phase: "running" }
  | { readonly phase: "stopped"; readonly reason: string };

interface SqlRow extends Record<string, SqlStorageValue> {
  id: string;
  seq: number;
  spec: string | null;
  name: string;
  kind: string;
  significant: number;
  status: string;
  generation: number;
  restarts: number;
  last_reason: string | null;
  last_at: number | null;
  down_since: number | null;
}

const COUNTERS = ["specs", "active", "supervisors", "workers", "significant_active"] as const;
type Counter = (typeof COUNTERS)[number];

/**
 * Everything a supervisor must not forget lives here, in SQLite: its spec, its phase, its
 * restart window and one row per child. Rows are indexed by start order and by status, and
 * the counts are kept up to date on every change, so no operation reads or rewrites all
 * children: with 10,000 dynamic children a start, terminate, delete, count or page costs
 * what it costs with 10.
 */
export class SupervisorStore {
  readonly #sql: SqlStorage;
  #template: ResolvedChildSpec | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS sup_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec(
      `CREATE TABLE IF NOT EXISTS sup_child (
        id TEXT PRIMARY KEY, seq INTEGER NOT NULL, spec TEXT, name TEXT NOT NULL,
        kind TEXT NOT NULL, significant INTEGER NOT NULL, status TEXT NOT NULL,
        generation INTEGER NOT NULL, restarts INTEGER NOT NULL,
        last_reason TEXT, last_at INTEGER, down_since INTEGER)`,
    );
    sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS sup_child_seq ON sup_child (seq)");
    sql.exec("CREATE INDEX IF NOT EXISTS sup_child_status ON sup_child (status, seq)");
    sql.exec("CREATE TABLE IF NOT EXISTS sup_count (key TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  }

  #get<T>(key: string): T | null {
    const row = this.#sql
      .exec<{ value: string }>("SELECT value FROM sup_state WHERE key = ?", key)
      .toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }

  #set(key: string, value: unknown): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO sup_state (key, value) VALUES (?, ?)",
      key,
      JSON.stringify(value),
    );
  }

  /** The validated spec this supervisor was started with (written once per start). */
  get spec(): ResolvedSupervisorSpec | null {
    return this.#get<ResolvedSupervisorSpec>("spec");
  }
  set spec(spec: ResolvedSupervisorSpec) {
    this.#template = null;
    this.#set("spec", spec);
  }

  /** Whether the spec came from `configure` (kept) rather than `specFor` (derived anew). */
  get configured(): boolean {
    return this.#get<boolean>("configured") ?? false;
  }
  set configured(configured: boolean) {
    this.#set("configured", configured);
  }

  get phase(): SupervisorPhase {
    return this.#get<SupervisorPhase>("phase") ?? { phase: "unstarted" };
  }
  set phase(phase: SupervisorPhase) {
    this.#set("phase", phase);
  }

  /** Restart times still inside the window (at most intensity + 1 of them). */
  get history(): number[] {
    return this.#get<number[]>("history") ?? [];
  }
  set history(history: number[]) {
    this.#set("history", history);
  }

  /** The generation this supervisor's own parent started it with (0: never started by one). */
  get generation(): number {
    return this.#get<number>("generation") ?? 0;
  }
  set generation(generation: number) {
    this.#set("generation", generation);
  }

  /**
   * The number of the next start of any child. It grows for the supervisor's whole life,
   * across its children's rows: a stop or exit report meant for one start can never match a
   * later start, not even of a child whose row was deleted and added again (OTP's pids are
   * never reused either). Never below the clock, so a supervisor whose storage was wiped does
   * not count from 1 again under children that remember higher numbers.
   */
  nextGeneration(now = Date.now()): number {
    const next = Math.max((this.#get<number>("lastGeneration") ?? 0) + 1, now);
    this.#set("lastGeneration", next);
    return next;
  }

  get(id: string): ChildRow | null {
    const row = this.#sql.exec<SqlRow>("SELECT * FROM sup_child WHERE id = ?", id).toArray()[0];
    return row ? this.#row(row) : null;
  }

  /** Adds a child after every other (start order), keeping the counts. */
  insert(row: Omit<ChildRow, "seq">): ChildRow {
    const seq =
      this.#sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM sup_child").one().seq ??
      0;
    const full = { ...row, seq: seq + 1 };
    this.#sql.exec(
      `INSERT INTO sup_child (id, seq, spec, name, kind, significant, status, generation,
        restarts, last_reason, last_at, down_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      full.id,
      full.seq,
      full.dynamic ? null : JSON.stringify(full.spec),
      full.spec.address.name,
      full.spec.kind,
      full.spec.significant ? 1 : 0,
      full.status,
      full.generation,
      full.restarts,
      full.lastReason,
      full.lastAt,
      full.downSince,
    );
    this.#count(full, 1);
    return full;
  }

  remove(id: string): void {
    const row = this.get(id);
    if (!row) return;
    this.#sql.exec("DELETE FROM sup_child WHERE id = ?", id);
    this.#count(row, -1);
  }

  update(id: string, change: Partial<Omit<ChildRow, "id" | "seq" | "spec" | "dynamic">>): ChildRow {
    const row = this.get(id);
    if (!row) throw new Error(`supervisor store: no child "${id}"`);
    const next = { ...row, ...change };
    this.#sql.exec(
      `UPDATE sup_child SET status = ?, generation = ?, restarts = ?, last_reason = ?,
        last_at = ?, down_since = ? WHERE id = ?`,
      next.status,
      next.generation,
      next.restarts,
      next.lastReason,
      next.lastAt,
      next.downSince,
      id,
    );
    if (row.status !== next.status) {
      this.#count(row, -1);
      this.#count(next, 1);
    }
    return next;
  }

  /** Children in start order after `afterSeq`, at most `limit` (an index range scan). */
  page(afterSeq: number, limit: number, reverse = false): ChildRow[] {
    const query = reverse
      ? "SELECT * FROM sup_child WHERE seq < ? ORDER BY seq DESC LIMIT ?"
      : "SELECT * FROM sup_child WHERE seq > ? ORDER BY seq LIMIT ?";
    return this.#sql
      .exec<SqlRow>(query, afterSeq, limit)
      .toArray()
      .map((r) => this.#row(r));
  }

  /** Children with `status`, in start order, at most `limit`. */
  withStatus(status: ChildStatus, limit: number): ChildRow[] {
    return this.#sql
      .exec<SqlRow>("SELECT * FROM sup_child WHERE status = ? ORDER BY seq LIMIT ?", status, limit)
      .toArray()
      .map((r) => this.#row(r));
  }

  counts(): ChildCounts & { significantActive: number } {
    const n = (key: Counter) =>
      this.#sql.exec<{ n: number }>("SELECT n FROM sup_count WHERE key = ?", key).toArray()[0]?.n ??
      0;
    return {
      specs: n("specs"),
      active: n("active"),
      supervisors: n("supervisors"),
      workers: n("workers"),
      significantActive: n("significant_active"),
    };
  }

  /** Forgets every child (a supervisor that starts again starts from its spec, as in OTP). */
  clearChildren(): void {
    this.#sql.exec("DELETE FROM sup_child");
    this.#sql.exec("DELETE FROM sup_count");
  }

  #count(row: ChildRow, sign: 1 | -1): void {
    const bump = (key: Counter) =>
      this.#sql.exec(
        `INSERT INTO sup_count (key, n) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET n = n + excluded.n`,
        key,
        sign,
      );
    bump("specs");
    bump(row.spec.kind === "supervisor" ? "supervisors" : "workers");
    if (row.status === "running") bump("active");
    if (row.spec.significant && row.status !== "down") bump("significant_active");
  }

  #row(r: SqlRow): ChildRow {
    return {
      id: r.id,
      seq: r.seq,
      spec:
        r.spec === null ? this.#instance(r.id, r.name) : (JSON.parse(r.spec) as ResolvedChildSpec),
      dynamic: r.spec === null,
      status: r.status as ChildStatus,
      generation: r.generation,
      restarts: r.restarts,
      lastReason: r.last_reason,
      lastAt: r.last_at,
      downSince: r.down_since,
    };
  }

  /** A `simple_one_for_one` instance's spec: the template with the instance's id and name. */
  #instance(id: string, name: string): ResolvedChildSpec {
    this.#template ??= this.spec?.children[0] ?? null;
    if (!this.#template) throw new Error("supervisor store: dynamic child without a template");
    return { ...this.#template, id, address: { ...this.#template.address, name } };
  }
}
