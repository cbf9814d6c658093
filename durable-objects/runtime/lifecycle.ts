/** Lifecycle of one actor: `idle` (not started) → `running`; `stopped` until restarted. */
export type ActorStatus = "idle" | "running" | "stopped";

/**
 * A tiny explicit state machine for an actor's incarnations. Start-up runs once inside
 * `blockConcurrencyWhile`; a failed start is caught *inside* the block (a throw there would
 * reset the whole object) and returned, so nothing is cached and the next message retries.
 * The stopped flag is in storage: an evicted object must not forget that its supervisor
 * stopped it.
 */
export class ActorLifecycle {
  readonly #ctx: DurableObjectState;
  readonly #onStart: () => void | Promise<void>;
  #status: ActorStatus = "idle";
  #incarnation = 0;

  constructor(ctx: DurableObjectState, onStart: () => void | Promise<void>) {
    this.#ctx = ctx;
    this.#onStart = onStart;
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS _bulwark_lifecycle (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    );
  }

  get status(): ActorStatus {
    return this.#status;
  }

  /** Increases on every start; work begun by an older incarnation must not touch storage. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** Starts the actor unless it runs already; answers the start error, if any. */
  async ensureStarted(): Promise<unknown> {
    if (this.#status !== "idle") return null;
    return this.#ctx.blockConcurrencyWhile(async () => {
      if (this.#status !== "idle") return null;
      if (this.#stoppedReason() !== null) {
        this.#status = "stopped";
        return null;
      }
      try {
        this.#incarnation += 1;
        await this.#onStart();
        this.#status = "running";
        return null;
      } catch (error) {
        this.#status = "idle";
        return error;
      }
    });
  }

  /** Forgets the running incarnation: the next message starts again from storage. */
  reset(): void {
    this.#status = "idle";
    this.#incarnation += 1;
  }

  /** Records (or clears, with `null`) a stop by the supervisor, durably. */
  setStopped(reason: string | null): void {
    if (reason === null) {
      this.#ctx.storage.sql.exec("DELETE FROM _bulwark_lifecycle WHERE key = 'stopped'");
      if (this.#status === "stopped") this.#status = "idle";
    } else {
      this.#ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO _bulwark_lifecycle (key, value) VALUES ('stopped', ?)",
        reason,
      );
      this.#status = "stopped";
    }
  }

  #stoppedReason(): string | null {
    const row = this.#ctx.storage.sql
      .exec<{ value: string }>("SELECT value FROM _bulwark_lifecycle WHERE key = 'stopped'")
      .toArray()[0];
    return row ? row.value : null;
  }
}
