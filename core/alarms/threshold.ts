/**
 * A threshold alarm's hysteresis, as a value: idle or active, and since when the condition
 * has disagreed with that state (`null` while it agrees). Serializable, so it lives in
 * storage and survives eviction.
 */
export interface ThresholdState {
  readonly active: boolean;
  readonly since: number | null;
}

/** The windows of one threshold alarm, in milliseconds. */
export interface ThresholdWindows {
  /** How long the condition must hold before the alarm is raised (0: at once). */
  readonly raiseAfterMs: number;
  /** How long the condition must stay clear before the alarm is cleared. */
  readonly clearAfterMs: number;
}

export const IDLE: ThresholdState = { active: false, since: null };

/** What one observation did: the next state and the transition it caused, if any. */
export interface ThresholdStep {
  readonly state: ThresholdState;
  readonly transition: "raise" | "clear" | null;
}

/**
 * Feeds one sample of the condition (`breaching`) taken at `now`. Raises once the condition
 * held for `raiseAfterMs`, clears once it stayed clear for `clearAfterMs`; any sample that
 * agrees with the current state resets the pending window, so a signal that flaps faster
 * than the windows changes nothing.
 */
export function observe(
  state: ThresholdState,
  breaching: boolean,
  now: number,
  windows: ThresholdWindows,
): ThresholdStep {
  if (breaching === state.active)
    return { state: { active: state.active, since: null }, transition: null };
  const since = state.since ?? now;
  const window = state.active ? windows.clearAfterMs : windows.raiseAfterMs;
  if (now - since < window) return { state: { active: state.active, since }, transition: null };
  return {
    state: { active: !state.active, since: null },
    transition: state.active ? "clear" : "raise",
  };
}

/**
 * A threshold with an injected clock, for callers that sample as things happen. The clock
 * defaults to `Date.now`; tests pass a controllable one.
 */
export class Threshold {
  #state: ThresholdState;

  constructor(
    readonly windows: ThresholdWindows,
    private readonly clock: () => number = Date.now,
    initial: ThresholdState = IDLE,
  ) {
    this.#state = initial;
  }

  get state(): ThresholdState {
    return this.#state;
  }

  /** Samples the condition now; answers the transition it caused, if any. */
  sample(breaching: boolean): "raise" | "clear" | null {
    const step = observe(this.#state, breaching, this.clock(), this.windows);
    this.#state = step.state;
    return step.transition;
  }
}
