/** The result of `recordRestart`: the new window to store, and whether it overflowed. */
export interface RestartRecord {
  /** Restart times still inside the window, oldest first, ending with the new one. */
  history: number[];
  /** True when the window now holds more than `intensity` restarts: escalate, don't restart. */
  exceeded: boolean;
}

/**
 * OTP's restart-intensity check as a pure function over stored history (so the window
 * survives eviction). Keeps restarts with `t >= at - periodMs` (OTP's `R >= Now - Period`), appends `at`, and reports
 * `exceeded` when that count is more than `intensity`: with intensity 0 the first restart
 * exceeds; with intensity 3 and period 10 s a fourth restart within 10 s exceeds.
 */
export function recordRestart(
  history: readonly number[],
  at: number,
  flags: { intensity: number; periodMs: number },
): RestartRecord {
  const windowStart = at - flags.periodMs;
  const kept = history.filter((t) => t >= windowStart);
  kept.push(at);
  kept.sort((a, b) => a - b);
  return { history: kept, exceeded: kept.length > flags.intensity };
}
