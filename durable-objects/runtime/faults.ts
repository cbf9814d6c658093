import { RuntimeTables } from "./runtime-tables";

const TABLE = "_bulwark_faults";

/** Kinds of injected fault, as the operations API names them. */
export type FaultKind = "crash" | "latency" | "overload";

/** A fault armed inside one actor for its next `count` state-changing commands. */
export interface FaultSpec {
  readonly kind: FaultKind;
  readonly count: number;
  /** Delay for `latency`, in ms. */
  readonly ms: number;
  /** For `crash` on a saga: which atomic step (1-based) throws. Plain writes crash at 1. */
  readonly step: number;
}

/** What the next state-changing command must suffer. */
export interface FaultPlan {
  readonly latencyMs: number;
  readonly overload: boolean;
  readonly crashAtStep: number | null;
}

const NONE: FaultPlan = { latencyMs: 0, overload: false, crashAtStep: null };

/**
 * Faults injected by operators to prove recovery. They live in storage because a crash
 * discards the actor's memory, and each command consumes its share *outside* the command's
 * transaction: a crash rolls back the command but must not give the fault back, or it would
 * crash forever.
 */
export class FaultBox {
  readonly #tables: RuntimeTables;
  #armed: boolean | undefined;

  constructor(storage: DurableObjectStorage) {
    this.#tables = RuntimeTables.of(storage);
    this.#tables.define(
      TABLE,
      `CREATE TABLE IF NOT EXISTS _bulwark_faults (
        kind TEXT PRIMARY KEY, remaining INTEGER NOT NULL, ms INTEGER NOT NULL, step INTEGER NOT NULL)`,
    );
    this.#tables.onErased(() => {
      this.#armed = false;
    });
  }

  inject(fault: FaultSpec): void {
    this.#tables.write(
      "INSERT OR REPLACE INTO _bulwark_faults (kind, remaining, ms, step) VALUES (?, ?, ?, ?)",
      fault.kind,
      fault.count,
      fault.ms,
      fault.step,
    );
    this.#armed = true;
  }

  clear(): void {
    this.#tables.query(TABLE, "DELETE FROM _bulwark_faults");
    this.#armed = false;
  }

  list(): FaultSpec[] {
    return this.#tables
      .query<{ kind: FaultKind; remaining: number; ms: number; step: number }>(
        TABLE,
        "SELECT kind, remaining, ms, step FROM _bulwark_faults ORDER BY kind",
      )
      .map((r) => ({ kind: r.kind, count: r.remaining, ms: r.ms, step: r.step }));
  }

  /** Consumes one count of every armed fault; costs nothing when none is armed. */
  take(): FaultPlan {
    if (this.#armed === false) return NONE;
    const faults = this.list();
    this.#armed = faults.length > 0;
    if (!this.#armed) return NONE;
    this.#tables.query(TABLE, "UPDATE _bulwark_faults SET remaining = remaining - 1");
    this.#tables.query(TABLE, "DELETE FROM _bulwark_faults WHERE remaining <= 0");
    const of = (kind: FaultKind) => faults.find((f) => f.kind === kind);
    return {
      latencyMs: of("latency")?.ms ?? 0,
      overload: of("overload") !== undefined,
      crashAtStep: of("crash")?.step ?? null,
    };
  }
}
