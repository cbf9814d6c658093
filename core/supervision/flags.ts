/**
 * Which children restart when one fails:
 * - `one_for_one`: only the failed child.
 * - `one_for_all`: every child.
 * - `rest_for_one`: the failed child and every child started after it.
 */
export type RestartStrategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** Every `RestartStrategy`, for validation and documentation. */
export const RESTART_STRATEGIES: readonly RestartStrategy[] = [
  "one_for_one",
  "one_for_all",
  "rest_for_one",
];

/**
 * A supervisor's restart policy, as in OTP: if more than `intensity` restarts happen
 * within `periodMs`, the supervisor gives up and escalates instead of looping.
 */
export interface SupervisorFlags {
  /** Optional; defaults to `one_for_one`. */
  strategy: RestartStrategy;
  /** Restarts tolerated per period, an integer >= 0. Optional; defaults to 1. */
  intensity: number;
  /** The sliding window, ms, an integer >= 1. Optional; defaults to 5000. */
  periodMs: number;
}

/** OTP's defaults: `one_for_one`, at most 1 restart per 5 seconds. */
export const DEFAULT_FLAGS: SupervisorFlags = {
  strategy: "one_for_one",
  intensity: 1,
  periodMs: 5000,
};

/**
 * Validates supervisor flags from configuration: missing (undefined) fields take
 * `DEFAULT_FLAGS`; numbers may be numbers or decimal strings (env vars). Throws an Error
 * naming the field and the limit. Field names are `fieldPrefix` + key; an upper-case
 * prefix such as `"SUPERVISOR_"` renders keys as env names (`SUPERVISOR_PERIOD_MS`).
 */
export function parseFlags(
  input: Partial<Record<keyof SupervisorFlags, unknown>>,
  fieldPrefix = "",
): SupervisorFlags {
  const name = (key: keyof SupervisorFlags): string =>
    /^[A-Z0-9_]+$/.test(fieldPrefix) && fieldPrefix !== ""
      ? fieldPrefix + key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()
      : fieldPrefix + key;
  const { strategy = DEFAULT_FLAGS.strategy } = input;
  if (!RESTART_STRATEGIES.some((s) => s === strategy)) {
    throw new Error(
      `${name("strategy")} must be one of ${RESTART_STRATEGIES.join(", ")}, got ${describeValue(strategy)}`,
    );
  }
  return {
    strategy: strategy as RestartStrategy,
    intensity: parseInteger(name("intensity"), input.intensity, DEFAULT_FLAGS.intensity, 0),
    periodMs: parseInteger(name("periodMs"), input.periodMs, DEFAULT_FLAGS.periodMs, 1),
  };
}

function parseInteger(field: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    throw new Error(`${field} must be an integer >= ${min}, got ${describeValue(value)}`);
  }
  return parsed;
}

function describeValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
