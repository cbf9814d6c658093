import { requireInteger, requirePositive } from "./validate";

/**
 * Token leasing: a per-client limit that holds across edge isolates without a round trip on
 * most requests. The limiter object keeps each client's token bucket (capacity
 * `limitPerMinute`, refilled at `limitPerMinute / 60` per second); an edge isolate leases a
 * batch of tokens from it, spends them locally, and asks for the next batch ahead of need.
 *
 * Accuracy. Tokens leave the bucket when they are leased, so a client is never admitted more
 * than one bucket allows, however many isolates hold leases, as long as the limiter answers
 * (its buckets are stored, so eviction forgives nothing). The error is on the other side:
 * tokens an isolate holds but does not spend are withheld from the client's other isolates
 * until its lease expires and returns them. Worst case, `holders × (size + lowWater)` tokens
 * are withheld; with the default sizing (0.5 % of the per-minute limit per lease, refilled
 * at a quarter) that is 0.625 % of the limit per holder: 2.5 % with four isolates serving
 * one client at once. When the limiter cannot be reached the edge lets requests through
 * (fails open) and nothing bounds them: the limiter protects the shards, it must not become
 * their single point of failure.
 */

/** How leases are sized from the limit; the edge and the limiter derive the same policy. */
export interface LeasePolicy {
  /** The client's limit per minute (also its burst), an integer >= 1. */
  readonly limitPerMinute: number;
  /** Tokens asked for per lease, >= 1. */
  readonly size: number;
  /** Refill ahead of need once a lease holds this many tokens or fewer. */
  readonly lowWater: number;
  /** How long leased tokens may be spent, in ms; unspent ones then go back. */
  readonly ttlMs: number;
}

/** Options of `leasePolicy`. */
export interface LeasePolicyOptions {
  /** Requests per client per minute, an integer from 1 to 10,000,000. */
  limitPerMinute: number;
  /** Largest share of the per-minute limit one lease may carry. Default 0.005 (0.5 %). */
  maxShare?: number;
  /** Seconds of the client's full rate one lease should cover. Default 1. */
  horizonSeconds?: number;
  /** Lease lifetime in ms. Default 10,000. */
  ttlMs?: number;
}

/**
 * Sizes leases so one holder can withhold at most `maxShare × 1.25` of the limit:
 * `size = clamp(rate × horizon, 1, maxShare × limit)`, `lowWater = floor(size / 4)`.
 * Small limits get leases of one token: exact, with the round trip moved off the request.
 */
export function leasePolicy(opts: LeasePolicyOptions): LeasePolicy {
  const limitPerMinute = requireInteger("limitPerMinute", opts.limitPerMinute, 1);
  const maxShare = requirePositive("maxShare", opts.maxShare ?? 0.005);
  const horizonSeconds = requirePositive("horizonSeconds", opts.horizonSeconds ?? 1);
  const ttlMs = requireInteger("ttlMs", opts.ttlMs ?? 10_000, 1);
  const byRate = Math.ceil((limitPerMinute / 60) * horizonSeconds);
  const byShare = Math.max(1, Math.floor(limitPerMinute * maxShare));
  const size = Math.max(1, Math.min(byRate, byShare));
  return { limitPerMinute, size, lowWater: Math.floor(size / 4), ttlMs };
}

/** A client's bucket as the limiter stores it: tokens left at time `at` (epoch ms). */
export interface LeaseBucket {
  readonly tokens: number;
  readonly at: number;
}

/** The limiter's answer: tokens granted and how long they may be spent, or when to retry. */
export type LeaseGrant =
  | { readonly ok: true; readonly granted: number; readonly ttlMs: number }
  | { readonly ok: false; readonly retryAfterMs: number };

/** A lease request: tokens wanted, and unspent tokens of an expired lease handed back. */
export interface LeaseRequest {
  readonly want: number;
  readonly returned: number;
}

/** The bucket refilled up to `now` (a new client's bucket starts full). */
export function refillBucket(
  bucket: LeaseBucket | undefined,
  limitPerMinute: number,
  now: number,
): LeaseBucket {
  if (bucket === undefined) return { tokens: limitPerMinute, at: now };
  // A clock that steps backwards must not drain the bucket.
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(limitPerMinute, bucket.tokens + (elapsed * limitPerMinute) / 60_000);
  return { tokens, at: Math.max(now, bucket.at) };
}

/**
 * The limiter's side, pure: takes back `returned`, then grants up to `want` whole tokens, or
 * refuses with the wait for the next token (>= 1 ms). Returns the bucket to store.
 */
export function grantLease(
  stored: LeaseBucket | undefined,
  request: LeaseRequest,
  policy: LeasePolicy,
  now: number,
): { bucket: LeaseBucket; grant: LeaseGrant } {
  const want = requireInteger("want", request.want, 1);
  const returned = requireInteger("returned", request.returned, 0);
  const cap = policy.limitPerMinute;
  const refilled = refillBucket(stored, cap, now);
  const tokens = Math.min(cap, refilled.tokens + returned);
  const granted = Math.min(want, Math.floor(tokens));
  if (granted < 1) {
    const retryAfterMs = Math.max(1, Math.ceil(((1 - tokens) * 60_000) / cap));
    return { bucket: { tokens, at: refilled.at }, grant: { ok: false, retryAfterMs } };
  }
  return {
    bucket: { tokens: tokens - granted, at: refilled.at },
    grant: { ok: true, granted, ttlMs: policy.ttlMs },
  };
}

/** Worst-case tokens withheld by `holders` isolates (see the module comment). */
export const withheldBound = (policy: LeasePolicy, holders: number): number =>
  holders * (policy.size + policy.lowWater);
