/**
 * A local copy of a remote value, refreshed in the background at most once per `maxAgeMs`:
 * `read()` always answers at once with the copy it has (the initial value until the first
 * refresh lands), and starts one refresh when the last one started `maxAgeMs` ago or more.
 * That holds whether or not the last refresh settled: in workerd a refresh whose request
 * was cancelled can stay pending for ever, and waiting for it would freeze the copy for
 * the isolate's life. Refreshes may then overlap (one more per `maxAgeMs` at most); an
 * answer is taken only if no refresh started after it has already landed. A failed refresh
 * keeps the old copy and is retried after `maxAgeMs`. The clock defaults to `Date.now`;
 * tests inject one.
 */
export class BackgroundCopy<T> {
  #value: T;
  #startedAt = Number.NEGATIVE_INFINITY;
  /** Refreshes started so far, and the number of the one whose answer the copy holds. */
  #started = 0;
  #landed = 0;

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
    if (now - this.#startedAt < this.maxAgeMs) return { value: this.#value, refresh: null };
    this.#startedAt = now;
    const seq = ++this.#started;
    const refresh = fetch().then((next) => {
      if (seq < this.#landed) return; // a newer refresh landed first
      this.#value = next;
      this.#landed = seq;
    }, onError);
    return { value: this.#value, refresh };
  }
}
