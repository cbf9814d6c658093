interface Timer {
  at: number;
  id: number;
  fn: () => void;
}

/**
 * A deterministic clock and timer queue to inject as `now` / `setTimer` / `clearTimer`.
 * `advance` fires due timers in time order (ties in scheduling order), moving `now` to
 * each timer's due time first, so callbacks observe the exact instant they were due.
 */
export class FakeScheduler {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly setTimer = (fn: () => void, ms: number): number => {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), id, fn });
    return id;
  };

  readonly clearTimer = (handle: unknown): void => {
    if (typeof handle === "number") this.#timers.delete(handle);
  };

  /** Timers scheduled and not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** A promise resolved by a fake timer `ms` from now. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }

  /** Moves time forward `ms`, firing due timers synchronously. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (let next = this.#due(target); next !== undefined; next = this.#due(target)) {
      this.#timers.delete(next.id);
      this.#now = next.at;
      next.fn();
    }
    this.#now = target;
  }

  /** Moves time forward 1 ms at a time, letting promise continuations run around each step. */
  async advanceAsync(ms: number): Promise<void> {
    await flushMicrotasks();
    for (let i = 0; i < ms; i++) {
      this.advance(1);
      await flushMicrotasks();
    }
  }

  #due(target: number): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.at > target) continue;
      if (earliest === undefined || timer.at < earliest.at) earliest = timer;
    }
    return earliest;
  }
}

/** Lets chains of already-resolved promise continuations run to completion. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
