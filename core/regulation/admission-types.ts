/** Options of `Admission`. Every field is validated when the regulator is built. */
export interface AdmissionOptions {
  /** Most requests in flight at once, an integer >= 1. */
  maxConcurrency: number;
  /** Sustained admissions per second, a finite number > 0. */
  ratePerSecond: number;
  /** Admissions allowed back to back before the rate applies, an integer >= 1. */
  burst: number;
  /** Longest a request may wait for admission, ms >= 0; 0 disables waiting. */
  maxSojournMs: number;
  /** Most requests waiting at once, an integer >= 0; 0 disables waiting. */
  maxQueue: number;
  /** Clock in epoch ms; defaults to `Date.now`. */
  now?: () => number;
  /** Schedules `fn` after `ms`; defaults to `setTimeout`. */
  setTimer?: (fn: () => void, ms: number) => unknown;
  /** Cancels a handle from `setTimer`; defaults to `clearTimeout`. */
  clearTimer?: (handle: unknown) => void;
}

/** Why a request was refused: the regulator was full, or it could not wait long enough. */
export type RefusalReason = "concurrency" | "rate" | "queue-full" | "sojourn" | "deadline";

/** A granted admission. Call `release` once the work is done; extra calls are no-ops. */
export type Admitted = { ok: true; release: () => void; waitedMs: number };

/**
 * A refusal, an expected outcome under load rather than an error. `retryAfterMs` (>= 1)
 * is a hint for a `Retry-After`; `detail` carries the numbers for logs.
 */
export type Refused = { ok: false; reason: RefusalReason; retryAfterMs: number; detail: string };

/** The outcome of asking `Admission` for a slot. */
export type AdmissionResult = Admitted | Refused;

/** Counters for health endpoints; `admitted` and `refused` are totals since construction. */
export interface AdmissionSnapshot {
  inFlight: number;
  queued: number;
  admitted: number;
  refused: number;
  limit: number;
  ratePerSecond: number;
}
