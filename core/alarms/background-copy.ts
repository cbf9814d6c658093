/**
 * A local copy of a remote value, refreshed in the background at most once per `maxAgeMs`:
 * `read()` always answers at once with the copy it has (the initial value until the first
 * refresh lands), and starts one refresh when the copy is older than `maxAgeMs` and none is
 * in flight. A failed refresh keeps the old copy and is retried after `maxAgeMs`. The clock
 * defaults to `Date.now`; tests inject one.
 */
export class BackgroundCopy<T> {
  #value: T;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<void> | null = null;

  constructor(
    initial: T,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.#value = initial;
  }

  /**
   * The current copy, and the refresh this read started (`null` when none was due), for the
   * caller to keep alive (e.g. `waitUntil`). `fetch` failures go to `onError`.
   */
  read(
    fetch: () => Promise<T>,
    onError: (error: unknown) => void,
  ): { value: T; refresh: Promise<void> | null } {
    const now = this.clock();
    if (this.#inFlight !== null || now - this.#fetchedAt < this.maxAgeMs) {
      return { value: this.#value, refresh: null };
    }
    this.#fetchedAt = now;
    const refresh = fetch()
      .then((next) => {
        this.#value = next;
      }, onError)
      .finally(() => {
        this.#inFlight = null;
      });
    this.#inFlight = refresh;
    return { value: this.#value, refresh };
  }
}
