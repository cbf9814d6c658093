import type {
  BreakerOptions,
  BreakerPass,
  BreakerPermit,
  BreakerSnapshot,
  BreakerState,
} from "./breaker-types";

interface ResolvedOptions {
  failureThreshold: number;
  resetTimeoutMs: number;
  maxResetTimeoutMs: number;
  backoffFactor: number;
  now: () => number;
}

/**
 * A consecutive-failure circuit breaker in the manner of cockatiel. Closed, it counts
 * consecutive failures and opens at `failureThreshold`. Open, it refuses calls for the
 * reset timeout, then turns half-open and admits exactly one probe: success closes it,
 * failure re-opens it with the timeout multiplied by `backoffFactor` (capped at
 * `maxResetTimeoutMs`). Callers report every admitted call with `onSuccess`/`onFailure`.
 *
 * While it is open or half-open, only the current probe's outcome counts. A caller that
 * reports with its permit (`onSuccess(permit)`) is told apart exactly: any call but the
 * probe holding the current ticket — one admitted before the breaker opened, a replaced
 * probe — is a straggler and ignored, so it can neither close, extend nor re-open the
 * breaker, nor take the real probe's answer from it. Reported without a permit, an outcome
 * while a probe is outstanding is taken as the probe's.
 * A probe that never reports (its caller was evicted) is replaced by a new one once the
 * reset timeout passes again, so a lost probe cannot wedge the breaker half-open.
 */
export class CircuitBreaker {
  readonly #opts: ResolvedOptions;
  #open = false;
  #failures = 0;
  #openedAt: number | null = null;
  #resetTimeoutMs: number;
  #probeStartedAt: number | null = null;
  /** The current probe's ticket; each probe admitted gets the next. */
  #probeTicket = 0;

  /** Throws if an option is out of range. `initial` restores a `toJSON()` snapshot. */
  constructor(opts: BreakerOptions = {}, initial?: BreakerSnapshot) {
    this.#opts = resolveOptions(opts);
    this.#resetTimeoutMs = this.#opts.resetTimeoutMs;
    if (initial !== undefined) this.#restore(initial);
  }

  /** Rebuilds a breaker from `toJSON()`; a half-open snapshot restores as open, the safe side. */
  static fromJSON(s: BreakerSnapshot, opts?: BreakerOptions): CircuitBreaker {
    return new CircuitBreaker(opts, s);
  }

  /** The state now; an open breaker whose reset timeout has elapsed reports `half-open`. */
  get state(): BreakerState {
    if (!this.#open) return "closed";
    return this.#probeStartedAt !== null || this.#msUntilProbe() === 0 ? "half-open" : "open";
  }

  /** Asks to make a call. Refusals carry the ms until the breaker may admit a probe. */
  tryAcquire(): BreakerPermit {
    if (!this.#open) return { ok: true, probe: false };
    const now = this.#opts.now();
    const wait = this.#msUntilProbe();
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    const probe = this.#probeStartedAt;
    if (probe !== null && now - probe < this.#resetTimeoutMs) {
      return { ok: false, retryAfterMs: Math.max(1, probe + this.#resetTimeoutMs - now) };
    }
    this.#probeStartedAt = now;
    this.#probeTicket += 1;
    return { ok: true, probe: true, ticket: this.#probeTicket };
  }

  /** Reports a successful call: closes the breaker and resets the failure count and timeout. */
  onSuccess(permit?: BreakerPass): void {
    if (this.#open && this.#straggler(permit)) return;
    this.#open = false;
    this.#failures = 0;
    this.#openedAt = null;
    this.#resetTimeoutMs = this.#opts.resetTimeoutMs;
    this.#probeStartedAt = null;
  }

  /** Reports a failed call: opens at the threshold; a failed probe re-opens with backoff. */
  onFailure(permit?: BreakerPass): void {
    if (!this.#open) {
      this.#failures += 1;
      if (this.#failures >= this.#opts.failureThreshold) this.#trip();
      return;
    }
    if (this.#straggler(permit)) return;
    this.#failures += 1;
    const { backoffFactor, maxResetTimeoutMs } = this.#opts;
    this.#resetTimeoutMs = Math.min(maxResetTimeoutMs, this.#resetTimeoutMs * backoffFactor);
    this.#trip();
  }

  /** Serializable state for storage; restore it with `fromJSON`. */
  toJSON(): BreakerSnapshot {
    return {
      state: this.state,
      failures: this.#failures,
      openedAt: this.#openedAt,
      resetTimeoutMs: this.#resetTimeoutMs,
      probeInFlight: this.#probeStartedAt !== null,
    };
  }

  /** While open: whether an outcome is not the current probe's (see the class). */
  #straggler(permit: BreakerPass | undefined): boolean {
    if (this.#probeStartedAt === null) return true;
    return permit !== undefined && !(permit.probe && permit.ticket === this.#probeTicket);
  }

  #trip(): void {
    this.#open = true;
    this.#openedAt = this.#opts.now();
    this.#probeStartedAt = null;
  }

  #msUntilProbe(): number {
    const openedAt = this.#openedAt ?? this.#opts.now();
    return Math.max(0, openedAt + this.#resetTimeoutMs - this.#opts.now());
  }

  #restore(s: BreakerSnapshot): void {
    const { maxResetTimeoutMs, resetTimeoutMs: base } = this.#opts;
    this.#failures = Number.isInteger(s.failures) && s.failures >= 0 ? s.failures : 0;
    const timeout = Number.isFinite(s.resetTimeoutMs) ? s.resetTimeoutMs : base;
    this.#resetTimeoutMs = Math.min(maxResetTimeoutMs, Math.max(base, timeout));
    if (s.state === "closed") return;
    this.#open = true;
    // A probe in flight at eviction is lost; restart the reset clock before the next one.
    const keepClock = s.state === "open" && s.openedAt !== null && Number.isFinite(s.openedAt);
    this.#openedAt = keepClock ? s.openedAt : this.#opts.now();
  }
}

function resolveOptions(opts: BreakerOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    failureThreshold: opts.failureThreshold ?? 5,
    resetTimeoutMs: opts.resetTimeoutMs ?? 1000,
    maxResetTimeoutMs: opts.maxResetTimeoutMs ?? 30_000,
    backoffFactor: opts.backoffFactor ?? 2,
    now: opts.now ?? Date.now,
  };
  const { failureThreshold, resetTimeoutMs, maxResetTimeoutMs, backoffFactor } = resolved;
  if (!Number.isInteger(failureThreshold) || failureThreshold < 1) {
    throw new Error(`failureThreshold must be an integer >= 1, got ${failureThreshold}`);
  }
  if (!Number.isFinite(resetTimeoutMs) || resetTimeoutMs <= 0) {
    throw new Error(`resetTimeoutMs must be a finite number > 0, got ${resetTimeoutMs}`);
  }
  if (!Number.isFinite(maxResetTimeoutMs) || maxResetTimeoutMs < resetTimeoutMs) {
    throw new Error(
      `maxResetTimeoutMs must be a finite number >= resetTimeoutMs (${resetTimeoutMs}), got ${maxResetTimeoutMs}`,
    );
  }
  if (!Number.isFinite(backoffFactor) || backoffFactor < 1) {
    throw new Error(`backoffFactor must be a finite number >= 1, got ${backoffFactor}`);
  }
  return resolved;
}
