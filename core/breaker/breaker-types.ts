/** `closed` passes calls, `open` refuses them, `half-open` lets one probe through. */
export type BreakerState = "closed" | "open" | "half-open";

/** Options of a `CircuitBreaker`; every field is optional. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker, an integer >= 1. Default 5. */
  failureThreshold?: number;
  /** How long the breaker stays open before the first probe, ms > 0. Default 1000. */
  resetTimeoutMs?: number;
  /** Ceiling for the backed-off reset timeout, ms >= resetTimeoutMs. Default 30000. */
  maxResetTimeoutMs?: number;
  /** Factor applied to the reset timeout after each failed probe, >= 1. Default 2. */
  backoffFactor?: number;
  /** Clock in epoch ms; defaults to `Date.now`. */
  now?: () => number;
}

/** Serializable breaker state, for Durable Object storage. */
export interface BreakerSnapshot {
  state: BreakerState;
  /** Consecutive failures seen. */
  failures: number;
  /** When the breaker last opened (epoch ms), or null while closed. */
  openedAt: number | null;
  /** The current, possibly backed-off, reset timeout. */
  resetTimeoutMs: number;
  probeInFlight: boolean;
}

/**
 * The outcome of `CircuitBreaker.tryAcquire`. A `probe` must report its result; reporting
 * with the permit (`onSuccess(permit)`) lets the breaker tell the probe's answer from a
 * straggler's: a probe's `ticket` names it.
 */
export type BreakerPermit =
  | { ok: true; probe: false }
  | { ok: true; probe: true; ticket: number }
  | { ok: false; retryAfterMs: number };

/** A permit that let a call through: what its caller reports the outcome with. */
export type BreakerPass = Extract<BreakerPermit, { ok: true }>;
