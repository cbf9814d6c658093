import { type ActionLimit, longestOrderRetryMs, type ThresholdWindows } from "../../../core/alarms";
import { integer, type Vars } from "../../../core/config";
import { parseWebhookSecret } from "../../../core/webhooks";

/** Automation actions that can be switched on (`ALARM_AUTOMATION`, comma-separated). */
export const AUTOMATIONS = [
  "recover-down-service",
  "queue-on-overload",
  "slow-backlog-intake",
] as const;
export type AutomationName = (typeof AUTOMATIONS)[number];

/** Where notifications go: off (no URL), ready to sign, or misconfigured (never sent). */
export type NotifyConfig =
  | { readonly state: "off" }
  | {
      readonly state: "on";
      readonly url: string;
      readonly key: Uint8Array;
      readonly retryBaseMs: number;
    }
  | { readonly state: "invalid"; readonly url: string; readonly error: string };

/** Everything the alarm manager reads from `wrangler.toml` vars, validated. */
export interface AlarmConfig {
  /** How often threshold alarms are re-evaluated (and load signals polled) while any is pending or active. `ALARM_TICK_MS`, default 5000. */
  readonly tickMs: number;
  /** `OVERLOAD_RAISE_MS` (default 10000) / `OVERLOAD_CLEAR_MS` (default 30000). */
  readonly overload: ThresholdWindows;
  /** Age of the oldest queued order that raises `queue-backlog`. `QUEUE_BACKLOG_MS`, default 30000. */
  readonly backlogAgeMs: number;
  /** Raised at the first batch over the age; cleared after `QUEUE_BACKLOG_CLEAR_MS` (default 10000) without one. */
  readonly backlog: ThresholdWindows;
  /**
   * How long `queue-backlog` may go without a batch before silence counts as a clear sample:
   * the orders consumer's longest retry delay (`longestOrderRetryMs` of `QUEUE_RETRY_BASE_MS`,
   * default 1000: 64 s), so messages waiting out a retry do not clear it and raise it again.
   */
  readonly backlogSilenceMs: number;
  /** `dead-letters` clears after this long without a dead letter. `DEAD_LETTERS_CLEAR_MS`, default 900000 (15 min). */
  readonly deadLettersClearMs: number;
  /**
   * `partition-gave-up` clears after this long without a give-up of its partition.
   * `PARTITION_GAVE_UP_CLEAR_MS`, default 600000 (10 min): far beyond the restart period
   * (10 s by default), so a partition that keeps crash-looping at the pace of clients
   * retrying stays one alarm rather than flapping, yet a fixed crash shows cleared soon.
   */
  readonly partitionGaveUpClearMs: number;
  /** Which automation runs. `ALARM_AUTOMATION`, default all three; `none` for none. */
  readonly automation: ReadonlySet<AutomationName>;
  /** At most `AUTOMATION_MAX_ACTIONS` (default 6) actions per alarm per `AUTOMATION_WINDOW_MS` (default 3600000). */
  readonly actionLimit: ActionLimit;
  /** How long a down service stays down before automation restarts it. `DOWN_RECOVERY_MS`, default 60000. */
  readonly downRecoveryMs: number;
}

/** An event alarm that clears after a quiet window: its length, and what did not happen in it. */
export interface QuietClear {
  readonly ms: number;
  readonly absent: string;
}

/**
 * The quiet window of event alarm `name` (`dead-letters`, `partition-gave-up`); `null` for
 * alarms that clear otherwise. Each raise of the alarm moves its `updatedAt`, which starts
 * the window again; the manager's timer clears it once `updatedAt + ms` has passed.
 */
export function quietClearOf(config: AlarmConfig, name: string): QuietClear | null {
  if (name === "dead-letters") return { ms: config.deadLettersClearMs, absent: "dead letter" };
  if (name === "partition-gave-up") return { ms: config.partitionGaveUpClearMs, absent: "give-up" };
  return null;
}

function automation(raw: unknown): Set<AutomationName> {
  if (raw === undefined || raw === "") return new Set(AUTOMATIONS);
  const names = String(raw)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 1 && names[0] === "none") return new Set();
  const unknown = names.filter((n) => !(AUTOMATIONS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `ALARM_AUTOMATION must be "none" or a comma-separated list of ${AUTOMATIONS.join(", ")}; unknown: ${unknown.join(", ")}`,
    );
  }
  return new Set(names as AutomationName[]);
}

const cache = new WeakMap<object, AlarmConfig>();

/** Parses the alarm manager's vars once per `env`; a bad value throws naming the var and its limits. */
export function alarmConfig(env: object): AlarmConfig {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = env as Vars;
  const day = 86_400_000;
  const config: AlarmConfig = {
    tickMs: integer(vars, "ALARM_TICK_MS", 5000, 10, 600_000),
    overload: {
      raiseAfterMs: integer(vars, "OVERLOAD_RAISE_MS", 10_000, 0, day),
      clearAfterMs: integer(vars, "OVERLOAD_CLEAR_MS", 30_000, 0, day),
    },
    backlogAgeMs: integer(vars, "QUEUE_BACKLOG_MS", 30_000, 0, day),
    backlog: {
      raiseAfterMs: 0,
      clearAfterMs: integer(vars, "QUEUE_BACKLOG_CLEAR_MS", 10_000, 0, day),
    },
    backlogSilenceMs: longestOrderRetryMs(integer(vars, "QUEUE_RETRY_BASE_MS", 1000, 0, 3_600_000)),
    deadLettersClearMs: integer(vars, "DEAD_LETTERS_CLEAR_MS", 900_000, 0, 7 * day),
    partitionGaveUpClearMs: integer(vars, "PARTITION_GAVE_UP_CLEAR_MS", 600_000, 0, 7 * day),
    automation: automation(vars.ALARM_AUTOMATION),
    actionLimit: {
      max: integer(vars, "AUTOMATION_MAX_ACTIONS", 6, 1, 1000),
      perMs: integer(vars, "AUTOMATION_WINDOW_MS", 3_600_000, 1000, day),
    },
    downRecoveryMs: integer(vars, "DOWN_RECOVERY_MS", 60_000, 0, day),
  };
  cache.set(env, config);
  return config;
}

/**
 * The notification settings. Kept apart from `alarmConfig` because a bad secret must not stop
 * alarms: it turns notifications off with an error that `/readyz`, the notifications view and
 * the logs report, naming `NOTIFY_WEBHOOK_SECRET`.
 */
export function notifyConfig(env: object): NotifyConfig {
  const vars = env as Vars;
  const url = vars.NOTIFY_WEBHOOK_URL;
  if (url === undefined || url === "") return { state: "off" };
  if (typeof url !== "string" || !/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) {
    return {
      state: "invalid",
      url: String(url),
      error: "NOTIFY_WEBHOOK_URL must be an http(s) URL",
    };
  }
  const secret = parseWebhookSecret(vars.NOTIFY_WEBHOOK_SECRET);
  if (!secret.ok) return { state: "invalid", url, error: secret.error };
  try {
    const retryBaseMs = integer(vars, "NOTIFY_RETRY_BASE_MS", 5000, 0, 3_600_000);
    return { state: "on", url, key: secret.key, retryBaseMs };
  } catch (error) {
    return { state: "invalid", url, error: (error as Error).message };
  }
}

/** The `source` of `notifications-failing`: the endpoint's origin (never its path or query, which may hold tokens). */
export const endpointOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};

/** What the notification consumer needs to sign and pace attempts; an invalid secret is an error value. */
export function signingConfig(
  env: object,
): { ok: true; key: Uint8Array; retryBaseMs: number } | { ok: false; error: string } {
  const vars = env as Vars;
  const secret = parseWebhookSecret(vars.NOTIFY_WEBHOOK_SECRET);
  if (!secret.ok) return secret;
  try {
    return {
      ok: true,
      key: secret.key,
      retryBaseMs: integer(vars, "NOTIFY_RETRY_BASE_MS", 5000, 0, 3_600_000),
    };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/**
 * Configuration errors of alarms and notifications, for `/readyz`: a bad alarm var, or a
 * notification endpoint that is set but unusable (a malformed secret is never an unsigned send).
 */
export function alarmConfigErrors(env: object): string[] {
  const errors: string[] = [];
  try {
    alarmConfig(env);
  } catch (error) {
    errors.push(`alarms are misconfigured: ${(error as Error).message}`);
  }
  const notify = notifyConfig(env);
  if (notify.state === "invalid") errors.push(`notifications are misconfigured: ${notify.error}`);
  return errors;
}
