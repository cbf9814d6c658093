import { TokenBucket } from "./token-bucket";
import { requireInteger } from "./validate";

/** Options of a `KeyedRateLimiter`. */
export interface KeyedRateLimiterOptions {
  /** Requests each key may make per minute, and also its burst; an integer >= 1. */
  limitPerMinute: number;
  /** Keys remembered at once; the least recently used beyond this are forgotten. Default 10,000. */
  maxKeys?: number;
  /** Clock in epoch ms; defaults to `Date.now`. */
  now?: () => number;
}

/** The outcome of `KeyedRateLimiter.take`: whole tokens left, or when to retry (>= 1 ms). */
export type KeyedTakeResult = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

/**
 * Per-client rate limiting: one token bucket per key with capacity `limitPerMinute`,
 * refilled at `limitPerMinute / 60` per second. Memory stays bounded by evicting the
 * least recently used key past `maxKeys`; a forgotten key starts again with a full
 * bucket, so eviction only ever errs towards admitting.
 */
export class KeyedRateLimiter {
  /** Requests per key per minute. */
  readonly limitPerMinute: number;
  /** Most keys tracked at once. */
  readonly maxKeys: number;
  readonly #now: () => number;
  // A Map iterates in insertion order; re-inserting on use keeps the LRU key first.
  readonly #buckets = new Map<string, TokenBucket>();

  /** Throws unless `limitPerMinute` and `maxKeys` are integers >= 1. */
  constructor(opts: KeyedRateLimiterOptions) {
    this.limitPerMinute = requireInteger("limitPerMinute", opts.limitPerMinute, 1);
    this.maxKeys = requireInteger("maxKeys", opts.maxKeys ?? 10_000, 1);
    this.#now = opts.now ?? Date.now;
  }

  /** Keys currently tracked, at most `maxKeys`. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Spends one of `key`'s tokens if it has one. */
  take(key: string): KeyedTakeResult {
    const bucket = this.#bucketFor(key);
    if (!bucket.tryTake()) return { ok: false, retryAfterMs: bucket.msUntilToken() };
    return { ok: true, remaining: bucket.available };
  }

  #bucketFor(key: string): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket({
        ratePerSecond: this.limitPerMinute / 60,
        burst: this.limitPerMinute,
        now: this.#now,
      });
    } else {
      this.#buckets.delete(key);
    }
    this.#buckets.set(key, bucket);
    for (const oldest of this.#buckets.keys()) {
      if (this.#buckets.size <= this.maxKeys) break;
      this.#buckets.delete(oldest);
    }
    return bucket;
  }
}

/** The same limiter under its data-structure name, for callers that think of it that way. */
export const TokenBucketMap = KeyedRateLimiter;
/** Instance type of `TokenBucketMap`. */
export type TokenBucketMap = KeyedRateLimiter;
