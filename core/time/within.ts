/** Where `within` gets its timer; `setTimeout` / `clearTimeout` unless injected (tests). */
export interface WithinTimers {
  /** Schedules `fn` after `ms`; defaults to `setTimeout`. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  /** Cancels a handle from `setTimer`; defaults to `clearTimeout`. */
  readonly clearTimer?: (handle: unknown) => void;
}

/** How a wait `within` a limit ended: the work's value, its error, or the limit first. */
export type Within<T> =
  | { readonly ended: "value"; readonly value: T }
  | { readonly ended: "error"; readonly error: unknown }
  | { readonly ended: "timeout" };

const TIMED_OUT: Within<never> = { ended: "timeout" };

/**
 * Waits for `work` at most `ms` milliseconds and answers how the wait ended; never rejects.
 * `ms` is a number >= 0, or `Infinity` for no limit: then no timer is set at all (a timer
 * reads a delay of `Infinity` as 0 and would fire at once). The timer is cleared as soon as
 * the work settles, so a wait the work won leaves no timer behind to keep an isolate's event
 * or a test alive. The work is not cancelled when the limit comes first — nothing can cancel
 * a promise — it just stops being waited for; a later rejection of it is handled here, never
 * reported as unhandled. Throws RangeError for a negative or NaN `ms`: a bug, not load.
 */
export function within<T>(
  work: Promise<T>,
  ms: number,
  timers: WithinTimers = {},
): Promise<Within<T>> {
  if (Number.isNaN(ms) || ms < 0) {
    throw new RangeError(`ms must be a number >= 0 or Infinity, got ${ms}`);
  }
  const settled = work.then(
    (value): Within<T> => ({ ended: "value", value }),
    (error: unknown): Within<T> => ({ ended: "error", error }),
  );
  if (ms === Number.POSITIVE_INFINITY) return settled;
  const setTimer = timers.setTimer ?? ((fn, delay) => setTimeout(fn, delay));
  const clearTimer =
    timers.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  return new Promise((resolve) => {
    const timer = setTimer(() => resolve(TIMED_OUT), ms);
    void settled.then((outcome) => {
      clearTimer(timer);
      resolve(outcome);
    });
  });
}
