/** Records are kept this long unless the actor says otherwise (24 h). */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** What a lookup found: nothing, the stored reply of the same request, or another request. */
export type IdempotencyLookup =
  | { readonly kind: "miss" }
  | { readonly kind: "replay"; readonly reply: unknown }
  | { readonly kind: "conflict" };

/**
 * Exactly-once effect on top of at-least-once delivery: a keyed command stores its reply
 * together with the fingerprint of the request, in the command's own transaction. A replay
 * gets the stored reply and applies nothing; the same key with another fingerprint is a
 * conflict. Records expire after `ttlMs`; expired ones are swept by `sweep`.
 */
export class IdempotencyStore {
  readonly #sql: SqlStorage;
  readonly ttlMs: number;

  constructor(sql: SqlStorage, ttlMs = DEFAULT_IDEMPOTENCY_TTL_MS) {
    this.#sql = sql;
    this.ttlMs = ttlMs;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS _bulwark_idempotency (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, reply TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
    );
  }

  lookup(key: string, fingerprint: string, now: number): IdempotencyLookup {
    const row = this.#sql
      .exec<{ fingerprint: string; reply: string; expires_at: number }>(
        "SELECT fingerprint, reply, expires_at FROM _bulwark_idempotency WHERE key = ?",
        key,
      )
      .toArray()[0];
    if (!row || row.expires_at <= now) return { kind: "miss" };
    if (row.fingerprint !== fingerprint) return { kind: "conflict" };
    return { kind: "replay", reply: JSON.parse(row.reply) };
  }

  save(key: string, fingerprint: string, reply: unknown, now: number): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO _bulwark_idempotency (key, fingerprint, reply, expires_at) VALUES (?, ?, ?, ?)",
      key,
      fingerprint,
      JSON.stringify(reply),
      now + this.ttlMs,
    );
  }

  /** Deletes expired records; answers when the next one expires (or `null` if none are left). */
  sweep(now: number): number | null {
    this.#sql.exec("DELETE FROM _bulwark_idempotency WHERE expires_at <= ?", now);
    return (
      this.#sql
        .exec<{ next: number | null }>("SELECT MIN(expires_at) AS next FROM _bulwark_idempotency")
        .one().next ?? null
    );
  }
}
