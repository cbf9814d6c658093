/** Bounds for an exponential backoff schedule, in milliseconds. */
export interface BackoffOptions {
  /** Delay before the first retry (attempt 0). */
  baseMs: number;
  /** No delay ever exceeds this, however many attempts have failed. */
  capMs: number;
}

/**
 * The capped exponential delay `min(capMs, baseMs * 2^attempt)`, without jitter. Use it
 * where a deterministic schedule matters (tests, a single retrier); prefer `fullJitter`
 * whenever many clients may retry at once. Throws RangeError on a negative or fractional
 * attempt or a negative/non-finite bound: those are bugs, not load.
 */
export function exponential(attempt: number, opts: BackoffOptions): number {
  checkBackoff(attempt, opts);
  // 2 ** 1100 is Infinity; Math.min still yields the cap, so huge attempts are safe.
  return Math.min(opts.capMs, opts.baseMs * 2 ** attempt);
}

/**
 * AWS "full jitter": a uniformly random whole number of ms in `[0, exponential(attempt))`
 * (0 when the ceiling is 0). Spreading retries over the whole window avoids the
 * synchronised retry storms plain exponential backoff causes. `random` defaults to
 * `Math.random`; inject one for deterministic tests.
 */
export function fullJitter(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = exponential(attempt, opts);
  // Clamp so a misbehaving random source can never push the delay past the ceiling.
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(r * ceiling);
}

function checkBackoff(attempt: number, opts: BackoffOptions): void {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be an integer >= 0, got ${attempt}`);
  }
  for (const field of ["baseMs", "capMs"] as const) {
    const value = opts[field];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`${field} must be a finite number >= 0, got ${value}`);
    }
  }
}
