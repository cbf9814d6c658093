/**
 * Which children restart when one fails (OTP's strategies):
 * - `one_for_one`: only the failed child.
 * - `one_for_all`: every other child is terminated (reverse start order), then all restart.
 * - `rest_for_one`: the children started after the failed one are terminated (reverse start
 *   order), then the failed child and those after it restart, in start order.
 * - `simple_one_for_one`: `one_for_one` over dynamic instances of one template child spec.
 */
export type RestartStrategy = "one_for_one" | "one_for_all" | "rest_for_one" | "simple_one_for_one";

/** Every `RestartStrategy`, for validation and documentation. */
export const RESTART_STRATEGIES: readonly RestartStrategy[] = [
  "one_for_one",
  "one_for_all",
  "rest_for_one",
  "simple_one_for_one",
];

/**
 * When a supervisor shuts itself down because `significant` children exited by themselves:
 * `never` (significant children are refused), `any_significant`, `all_significant`.
 */
export type AutoShutdown = "never" | "any_significant" | "all_significant";

/** Every `AutoShutdown` value. */
export const AUTO_SHUTDOWNS: readonly AutoShutdown[] = [
  "never",
  "any_significant",
  "all_significant",
];

/**
 * A supervisor's flags, as OTP's `sup_flags()`: if more than `intensity` restarts happen
 * within `periodMs`, the supervisor terminates its children and itself (reason `shutdown`).
 */
export interface SupervisorFlags {
  /** Optional; defaults to `one_for_one`. */
  strategy: RestartStrategy;
  /** Restarts tolerated per period, an integer >= 0. Optional; defaults to 1. */
  intensity: number;
  /** The sliding window, ms, an integer >= 1. Optional; defaults to 5000. */
  periodMs: number;
  /** Optional; defaults to `never`. */
  autoShutdown: AutoShutdown;
}

/** OTP's `?default_flags`: `one_for_one`, at most 1 restart per 5 seconds, no auto shutdown. */
export const DEFAULT_FLAGS: SupervisorFlags = {
  strategy: "one_for_one",
  intensity: 1,
  periodMs: 5000,
  autoShutdown: "never",
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
  return {
    strategy: oneOf(name("strategy"), input.strategy, RESTART_STRATEGIES, DEFAULT_FLAGS.strategy),
    intensity: parseInteger(name("intensity"), input.intensity, DEFAULT_FLAGS.intensity, 0),
    periodMs: parseInteger(name("periodMs"), input.periodMs, DEFAULT_FLAGS.periodMs, 1),
    autoShutdown: oneOf(
      name("autoShutdown"),
      input.autoShutdown,
      AUTO_SHUTDOWNS,
      DEFAULT_FLAGS.autoShutdown,
    ),
  };
}

function oneOf<T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new Error(`${field} must be one of ${allowed.join(", ")}, got ${describeValue(value)}`);
  }
  return found;
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

/** A value as an error message quotes it. */
export function describeValue(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
