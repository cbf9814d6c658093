import { requireInteger, requirePositive } from "./validate";

/** Options of a `TokenBucket`. */
export interface TokenBucketOptions {
  /** Sustained admissions per second (refill rate), a finite number > 0. */
  ratePerSecond: number;
  /** Capacity: the most admissions allowed back to back, an integer >= 1. */
  burst: number;
  /** Clock in epoch ms; defaults to `Date.now`. Inject one for deterministic tests. */
  now?: () => number;
}

/**
 * A `jobs`-style rate regulator: starts full with `burst` tokens and refills
 * continuously at `ratePerSecond`, so short bursts pass while the average stays bounded.
 */
export class TokenBucket {
  /** Refill rate in tokens per second. */
  readonly ratePerSecond: number;
  /** Capacity in tokens. */
  readonly burst: number;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;

  /** Throws if `ratePerSecond` or `burst` is out of range. */
  constructor(opts: TokenBucketOptions) {
    this.ratePerSecond = requirePositive("ratePerSecond", opts.ratePerSecond);
    this.burst = requireInteger("burst", opts.burst, 1);
    this.#now = opts.now ?? Date.now;
    this.#tokens = this.burst;
    this.#refilledAt = this.#now();
  }

  /** Whole tokens available right now. */
  get available(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  /** Takes one token if available. */
  tryTake(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whole ms until a token is available: 0 if one is available now, otherwise >= 1. */
  msUntilToken(): number {
    this.#refill();
    if (this.#tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.ratePerSecond));
  }

  #refill(): void {
    const now = this.#now();
    // A clock that steps backwards must not drain the bucket.
    const elapsed = Math.max(0, now - this.#refilledAt);
    this.#refilledAt = Math.max(now, this.#refilledAt);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.ratePerSecond) / 1000);
  }
}
