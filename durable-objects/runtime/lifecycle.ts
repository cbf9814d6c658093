import { RuntimeTables } from "./runtime-tables";

/** The runtime's keyed facts about an actor (`stopped`, `generation`; an entity's `enrolled`). */
export const LIFECYCLE_TABLE = "_bulwark_lifecycle";

/** What `inspect()` reports: not started, running, or stopped by the supervisor. */
export type ActorStatus = "idle" | "running" | "stopped";

/**
 * A tiny explicit state machine for an actor's incarnations. Start-up runs once inside
 * `blockConcurrencyWhile`; a failed start is caught *inside* the block (a throw there would
 * reset the whole object) and returned, so nothing is cached and the next message retries.
 *
 * "Stopped" is a separate, durable flag (an evicted object must not forget that its
 * supervisor stopped it). A stopped actor still starts — its state is rebuilt so intake
 * commands can record work — but refuses every other command until restarted.
 */
/** What an actor's start hook may answer: nothing (started) or `"ignore"` (OTP's `ignore`). */
// biome-ignore lint/suspicious/noConfusingVoidType: hooks written as `(): void` must still fit.
export type StartHookResult = void | "ignore";

export class ActorLifecycle {
  readonly #ctx: DurableObjectState;
  readonly #tables: RuntimeTables;
  readonly #onStart: () => StartHookResult | Promise<StartHookResult>;
  #started = false;
  #stopped: boolean | undefined;
  #generation: number | undefined;
  #incarnation = 0;

  constructor(ctx: DurableObjectState, onStart: () => StartHookResult | Promise<StartHookResult>) {
    this.#ctx = ctx;
    this.#onStart = onStart;
    this.#tables = RuntimeTables.of(ctx.storage);
    this.#tables.define(
      LIFECYCLE_TABLE,
      "CREATE TABLE IF NOT EXISTS _bulwark_lifecycle (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    );
    this.#tables.onErased(() => {
      this.#stopped = false;
      this.#generation = 0;
    });
  }

  get status(): ActorStatus {
    if (this.stopped) return "stopped";
    return this.#started ? "running" : "idle";
  }

  /** Whether the supervisor stopped this actor (read from storage once per object). */
  get stopped(): boolean {
    this.#stopped ??=
      this.#tables.query(LIFECYCLE_TABLE, "SELECT 1 FROM _bulwark_lifecycle WHERE key = 'stopped'")
        .length > 0;
    return this.#stopped;
  }

  /** Whether an incarnation is running: `ensureStarted` would have nothing to do. */
  get started(): boolean {
    return this.#started;
  }

  /** Increases on every start and reset; work of an older incarnation must not touch storage. */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** Starts the actor unless it runs already; answers the start error, if any. */
  async ensureStarted(): Promise<unknown> {
    if (this.#started) return null;
    return this.#ctx.blockConcurrencyWhile(async () => {
      if (this.#started) return null;
      try {
        this.#incarnation += 1;
        // `ignore`: the start hook declined to run; the actor stays stopped until started again.
        if ((await this.#onStart()) === "ignore") this.setStopped("ignore");
        this.#started = true;
        return null;
      } catch (error) {
        return error;
      }
    });
  }

  /** Forgets the running incarnation: the next message starts again from storage. */
  reset(): void {
    this.#started = false;
    this.#incarnation += 1;
  }

  /** Records (or clears, with `null`) a stop by the supervisor, durably. */
  setStopped(reason: string | null): void {
    if (reason === null) {
      this.#tables.query(LIFECYCLE_TABLE, "DELETE FROM _bulwark_lifecycle WHERE key = 'stopped'");
    } else {
      this.#tables.write(
        "INSERT OR REPLACE INTO _bulwark_lifecycle (key, value) VALUES ('stopped', ?)",
        reason,
      );
    }
    this.#stopped = reason !== null;
  }

  /**
   * Which start by its supervisor this incarnation belongs to (0 before any). A stop request
   * or an exit report of an older generation is stale: the supervisor has moved on.
   */
  get generation(): number {
    this.#generation ??= Number(
      this.#tables.query<{ value: string }>(
        LIFECYCLE_TABLE,
        "SELECT value FROM _bulwark_lifecycle WHERE key = 'generation'",
      )[0]?.value ?? 0,
    );
    return this.#generation;
  }

  setGeneration(generation: number): void {
    this.#tables.write(
      "INSERT OR REPLACE INTO _bulwark_lifecycle (key, value) VALUES ('generation', ?)",
      String(generation),
    );
    this.#generation = generation;
  }
}
