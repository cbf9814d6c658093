import { requireInteger } from "./validate";

/**
 * A `jobs`-style counter regulator: at most `limit` units of work in flight at once.
 * Bare and synchronous; `Admission` adds the waiting, fairness and idempotent release.
 */
export class CounterRegulator {
  /** Maximum concurrent holders, an integer >= 1. */
  readonly limit: number;
  #inFlight = 0;

  /** Throws unless `limit` is an integer >= 1. */
  constructor(limit: number) {
    this.limit = requireInteger("limit", limit, 1);
  }

  /** Slots currently held. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Takes a slot if one is free; false means the limit is reached. */
  tryTake(): boolean {
    if (this.#inFlight >= this.limit) return false;
    this.#inFlight += 1;
    return true;
  }

  /** Frees a slot. Releasing more than was taken is a bug and throws. */
  release(): void {
    if (this.#inFlight === 0) throw new Error("release() without a matching tryTake()");
    this.#inFlight -= 1;
  }
}
