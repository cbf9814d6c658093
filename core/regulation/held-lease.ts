import type { LeaseGrant, LeasePolicy } from "./token-lease";

/**
 * What one edge isolate holds for one client: leased tokens and when they expire, unspent
 * tokens of an expired lease waiting to be handed back, and a remembered refusal (so a
 * client over its limit is refused locally until its next token is due, without asking the
 * limiter again). Pure: the caller talks to the limiter and applies its answers.
 */
export class HeldLease {
  readonly policy: LeasePolicy;
  readonly #now: () => number;
  #tokens = 0;
  #expiresAt = 0;
  #unreturned = 0;
  #refusedUntil = 0;

  /** `now` is the clock in epoch ms; defaults to `Date.now`. */
  constructor(policy: LeasePolicy, now: () => number = Date.now) {
    this.policy = policy;
    this.#now = now;
  }

  /** Tokens that may still be spent (0 once the lease expired). */
  get tokens(): number {
    this.#expire();
    return this.#tokens;
  }

  /** Whether to ask for the next lease now, ahead of need. */
  get wantsRefill(): boolean {
    return this.tokens <= this.policy.lowWater;
  }

  /** Ms until the remembered refusal ends (0 when there is none). */
  refusedForMs(): number {
    return Math.max(0, this.#refusedUntil - this.#now());
  }

  /** Spends one leased token if the lease has one and has not expired. */
  trySpend(): boolean {
    this.#expire();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Unspent tokens of expired leases, handed out once to ride the next lease request. If that
   * request fails they are lost, never sent twice: losing them under-admits, resending could
   * over-admit.
   */
  takeReturns(): number {
    this.#expire();
    const returned = this.#unreturned;
    this.#unreturned = 0;
    return returned;
  }

  /** Applies the limiter's answer: more tokens with a fresh expiry, or a refusal to remember. */
  apply(grant: LeaseGrant): void {
    const now = this.#now();
    if (grant.ok) {
      this.#expire();
      this.#tokens += grant.granted;
      this.#expiresAt = now + grant.ttlMs;
      this.#refusedUntil = 0;
    } else {
      this.#refusedUntil = now + grant.retryAfterMs;
    }
  }

  #expire(): void {
    if (this.#tokens > 0 && this.#now() >= this.#expiresAt) {
      this.#unreturned += this.#tokens;
      this.#tokens = 0;
    }
  }
}
