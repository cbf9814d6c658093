import { fail, type Result, RuntimeCodes } from "./result";
import { RuntimeTables } from "./runtime-tables";
import type { Timers } from "./timers";

const TABLE = "_bulwark_idempotency";

/** Records are kept this long unless the actor says otherwise (24 h). */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Expired records one sweep deletes, soonest first: a sweep never holds the actor long. */
export const SWEEP_BATCH = 1000;
/** The next sweep after a full batch (a backlog): up to 4,000 records a second. */
const SWEEP_BACKLOG_MS = 250;
/**
 * The least time between sweeps otherwise: records expire one by one, and a sweep per
 * record would run all day under steady keyed traffic. An expired record is never
 * answered (`lookup` compares its expiry), it only waits up to this long to be deleted.
 */
export const SWEEP_INTERVAL_MS = 60_000;

/** What a lookup found: nothing, the stored reply of the same request, or another request. */
export type IdempotencyLookup =
  | { readonly kind: "miss" }
  | { readonly kind: "replay"; readonly reply: unknown }
  | { readonly kind: "conflict" };

/**
 * Exactly-once effect on top of at-least-once delivery: a keyed command stores its reply
 * together with the fingerprint of the request, in the command's own transaction. A replay
 * gets the stored reply and applies nothing; the same key with another fingerprint is a
 * conflict. Records expire after `ttlMs`; expired ones are swept by `sweep`, in batches
 * by the `expires_at` index.
 */
export class IdempotencyStore {
  /** The timer that sweeps expired records; the actor routes it to `sweep`. */
  static readonly SWEEP_TIMER = "bulwark:idempotency-sweep";
  readonly #tables: RuntimeTables;
  readonly #timers: Timers;
  readonly ttlMs: number;

  /** The records of the object whose storage is `storage` (created with its first write). */
  constructor(storage: DurableObjectStorage, timers: Timers, ttlMs = DEFAULT_IDEMPOTENCY_TTL_MS) {
    this.#tables = RuntimeTables.of(storage);
    this.#timers = timers;
    this.ttlMs = ttlMs;
    this.#tables.define(
      TABLE,
      `CREATE TABLE IF NOT EXISTS _bulwark_idempotency (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, reply TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
      "CREATE INDEX IF NOT EXISTS _bulwark_idempotency_expiry ON _bulwark_idempotency (expires_at)",
    );
  }

  /**
   * Runs `run` at most once per key (call it inside the command's transaction): a replay of
   * the same request gets the stored result, another request under the key a failure, and
   * a first run is remembered with the request's fingerprint — unless it is a failure
   * marked `unrecorded`, which is answered but not kept. No key: just runs.
   */
  once(
    key: string | undefined,
    fingerprint: string,
    now: number,
    run: () => Result<unknown>,
  ): Result<unknown> {
    if (key === undefined) return run();
    const found = this.lookup(key, fingerprint, now);
    if (found.kind === "replay") return found.reply as Result<unknown>;
    if (found.kind === "conflict") {
      return fail(
        RuntimeCodes.idempotencyKeyReused,
        "this Idempotency-Key was already used with a different request body",
      );
    }
    const result = run();
    if (result.ok || !result.unrecorded) this.save(key, fingerprint, result, now);
    return result;
  }

  lookup(key: string, fingerprint: string, now: number): IdempotencyLookup {
    const row = this.#tables.query<{ fingerprint: string; reply: string; expires_at: number }>(
      TABLE,
      "SELECT fingerprint, reply, expires_at FROM _bulwark_idempotency WHERE key = ?",
      key,
    )[0];
    if (!row || row.expires_at <= now) return { kind: "miss" };
    if (row.fingerprint !== fingerprint) return { kind: "conflict" };
    return { kind: "replay", reply: JSON.parse(row.reply) };
  }

  save(key: string, fingerprint: string, reply: unknown, now: number): void {
    this.#tables.write(
      "INSERT OR REPLACE INTO _bulwark_idempotency (key, fingerprint, reply, expires_at) VALUES (?, ?, ?, ?)",
      key,
      fingerprint,
      JSON.stringify(reply),
      now + this.ttlMs,
    );
    if (this.#timers.dueAt(IdempotencyStore.SWEEP_TIMER) === null) {
      this.#timers.schedule(IdempotencyStore.SWEEP_TIMER, now + this.ttlMs);
    }
  }

  /**
   * Deletes up to `SWEEP_BATCH` expired records, soonest first, and sets the sweep timer:
   * soon while a backlog remains, else at the next expiry but no sooner than
   * `SWEEP_INTERVAL_MS` from now. Each step reads the index, never the whole table.
   */
  sweep(now: number): void {
    const deleted = this.#tables.query(
      TABLE,
      `DELETE FROM _bulwark_idempotency WHERE key IN (
         SELECT key FROM _bulwark_idempotency WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)
       RETURNING 1`,
      now,
      SWEEP_BATCH,
    ).length;
    if (deleted >= SWEEP_BATCH) {
      this.#timers.schedule(IdempotencyStore.SWEEP_TIMER, now + SWEEP_BACKLOG_MS);
      return;
    }
    const next =
      this.#tables.query<{ next: number | null }>(
        TABLE,
        "SELECT MIN(expires_at) AS next FROM _bulwark_idempotency",
      )[0]?.next ?? null;
    if (next !== null) {
      this.#timers.schedule(IdempotencyStore.SWEEP_TIMER, Math.max(next, now + SWEEP_INTERVAL_MS));
    }
  }
}
