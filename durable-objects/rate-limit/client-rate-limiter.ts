import { DurableObject } from "cloudflare:workers";
import {
  grantLease,
  type LeaseBucket,
  type LeaseGrant,
  leasePolicy,
  refillBucket,
} from "../../core/regulation";

/** A bucket untouched this long is full again, the same as no row: safe to delete. */
const FULL_AFTER_MS = 60_000;

type BucketRow = { tokens: number; at: number; limit_per_minute: number };

/**
 * Per-client rate limiting (`RATE_LIMIT_PER_MINUTE`, keyed by `CF-Connecting-IP`): one token
 * bucket per client, in the shard of this object that the client's key hashes to, so the
 * limit holds across every edge isolate. Edge isolates lease tokens in batches (see
 * `core/regulation/token-lease.ts`), so this object sees one call per lease, not one per
 * request, and can afford to store every bucket: an evicted or restarted limiter forgets
 * nobody's spending. Rows of buckets that have refilled completely are swept.
 * (The Workers Rate Limiting binding fixes its limit in wrangler.toml and only knows 10 s
 * and 60 s periods, so it cannot honour the configurable variable.)
 */
export class ClientRateLimiter extends DurableObject {
  #sweptAt = 0;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS lease_buckets (
         client TEXT PRIMARY KEY, limit_per_minute INTEGER NOT NULL,
         tokens REAL NOT NULL, at INTEGER NOT NULL)`,
    );
  }

  /**
   * Grants `client` up to `want` tokens after taking back `returned` unspent ones, or says
   * when the next token comes. The edge passes the limit it is configured with; a changed
   * limit starts the client's bucket afresh. Throws (a bug, so the edge fails open) on a
   * limit, `want` or `returned` out of range.
   */
  lease(client: string, limitPerMinute: number, want: number, returned = 0): LeaseGrant {
    const policy = leasePolicy({ limitPerMinute });
    const now = Date.now();
    const { bucket, grant } = grantLease(
      this.#load(client, limitPerMinute),
      { want, returned },
      policy,
      now,
    );
    this.ctx.storage.sql.exec(
      `INSERT INTO lease_buckets (client, limit_per_minute, tokens, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (client) DO UPDATE SET
         limit_per_minute = excluded.limit_per_minute, tokens = excluded.tokens, at = excluded.at`,
      client,
      limitPerMinute,
      bucket.tokens,
      bucket.at,
    );
    this.#sweep(now);
    return grant;
  }

  /** `client`'s bucket refilled to now (full when unknown), for operators and tests. */
  inspect(client: string, limitPerMinute: number): LeaseBucket {
    return refillBucket(this.#load(client, limitPerMinute), limitPerMinute, Date.now());
  }

  /** The stored bucket, or undefined when there is none under this limit. */
  #load(client: string, limitPerMinute: number): LeaseBucket | undefined {
    const row = this.ctx.storage.sql
      .exec<BucketRow>(
        "SELECT tokens, at, limit_per_minute FROM lease_buckets WHERE client = ?",
        client,
      )
      .toArray()[0];
    if (row === undefined || row.limit_per_minute !== limitPerMinute) return undefined;
    return { tokens: row.tokens, at: row.at };
  }

  /** At most once a minute, deletes buckets that are full again (bounded storage). */
  #sweep(now: number): void {
    if (now - this.#sweptAt < FULL_AFTER_MS) return;
    this.#sweptAt = now;
    this.ctx.storage.sql.exec("DELETE FROM lease_buckets WHERE at < ?", now - FULL_AFTER_MS);
  }
}
