import { integer, type Vars } from "../../core/config";
import { SAGA_TIMEOUT_MS } from "../orders/saga";

/**
 * Limits that keep one client from hoarding stock. The contract's validation ranges
 * (quantity 1–10000, ttlSeconds 1–3600) stay the outer bound; these are the deployment's
 * tighter policy.
 */
export interface HoldLimits {
  /** Most units one hold may take (`HOLD_MAX_QUANTITY`, default 100). */
  readonly maxQuantity: number;
  /** Longest a hold may last (`HOLD_MAX_TTL_SECONDS`, default 900). */
  readonly maxTtlSeconds: number;
  /** Most units one client (`CF-Connecting-IP`) may hold at once per sku (`HOLD_MAX_UNITS_PER_CLIENT`, default 200). */
  readonly maxUnitsPerClient: number;
}

/** How long finished rows are kept before timers purge them (small batches, per shard). */
export interface Retention {
  /** Released, expired and confirmed holds, and compensation tombstones (`RETENTION_HOLDS_MS`, default 24 h). */
  readonly holdsMs: number;
  /** Stock events (`RETENTION_EVENTS_MS`, default 7 days). */
  readonly eventsMs: number;
  /** Confirmed and rejected orders (`RETENTION_ORDERS_MS`, default 7 days, at least `ORDERS_INTAKE_SAFETY_MS`). */
  readonly ordersMs: number;
  /** Rows deleted per purge run (`RETENTION_BATCH`, default 200): purges never stall a shard. */
  readonly batch: number;
  /** Slack after a finished row is due before the purge that takes it (`RETENTION_INTERVAL_MS`, default 60 s). */
  readonly intervalMs: number;
}

/** Bounds on live stock-event listeners, so sockets cannot slow writes. */
export interface FeedLimits {
  /** Listeners per sku (`EVENTS_MAX_PER_SKU`, default 1000). */
  readonly maxPerSku: number;
  /** Listeners per client address per sku (`EVENTS_MAX_PER_CLIENT`, default 20): each sku's relay counts its own. */
  readonly maxPerClient: number;
  /** Coalescing tick: at most one publish per sku per tick (`EVENTS_TICK_MS`, default 50). */
  readonly tickMs: number;
}

/** Throttling of failed admin authentications per client. */
export interface AdminAuthLimits {
  /** Failures allowed per window before `429` (`ADMIN_AUTH_MAX_FAILURES`, default 5). */
  readonly maxFailures: number;
  /** The counting window (`ADMIN_AUTH_WINDOW_MS`, default 60 s). */
  readonly windowMs: number;
  /** Failures across all clients in one window that raise `admin-auth-failures` (`ADMIN_AUTH_ALARM_FAILURES`, default 20). */
  readonly alarmFailures: number;
}

export interface Limits {
  /**
   * A queued order whose queue message never arrived runs on its shard after this long
   * (`ORDERS_INTAKE_SAFETY_MS`, default 30 min). Cloudflare Queues are durable; local
   * `wrangler dev` keeps messages in memory, so a killed runtime loses them and this timer
   * is what finishes those orders (the soak sets it short).
   */
  readonly intakeSafetyMs: number;
  readonly holds: HoldLimits;
  readonly retention: Retention;
  readonly feed: FeedLimits;
  readonly adminAuth: AdminAuthLimits;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const cache = new WeakMap<object, Limits>();

/** Parses and validates the limits once per `env`; a bad value names its field and range. */
export function loadLimits(env: object): Limits {
  const cached = cache.get(env);
  if (cached) return cached;
  const vars = env as Vars;
  const intakeSafetyMs = integer(vars, "ORDERS_INTAKE_SAFETY_MS", 30 * 60_000, 1000, 7 * DAY);
  const limits: Limits = {
    intakeSafetyMs,
    holds: {
      maxQuantity: integer(vars, "HOLD_MAX_QUANTITY", 100, 1, 10_000),
      maxTtlSeconds: integer(vars, "HOLD_MAX_TTL_SECONDS", 900, 1, 3600),
      maxUnitsPerClient: integer(vars, "HOLD_MAX_UNITS_PER_CLIENT", 200, 1, 1_000_000_000),
    },
    retention: {
      holdsMs: integer(vars, "RETENTION_HOLDS_MS", DAY, SAGA_TIMEOUT_MS, 365 * DAY),
      eventsMs: integer(vars, "RETENTION_EVENTS_MS", 7 * DAY, 0, 365 * DAY),
      // A queued order's message may arrive as late as the intake safety window: the order's
      // record must still be there to answer it (a purged one reads as never queued).
      ordersMs: integer(vars, "RETENTION_ORDERS_MS", 7 * DAY, intakeSafetyMs, 365 * DAY),
      batch: integer(vars, "RETENTION_BATCH", 200, 1, 10_000),
      intervalMs: integer(vars, "RETENTION_INTERVAL_MS", 60_000, 1, DAY),
    },
    feed: {
      maxPerSku: integer(vars, "EVENTS_MAX_PER_SKU", 1000, 1, 32_768),
      maxPerClient: integer(vars, "EVENTS_MAX_PER_CLIENT", 20, 1, 32_768),
      tickMs: integer(vars, "EVENTS_TICK_MS", 50, 0, 10_000),
    },
    adminAuth: {
      maxFailures: integer(vars, "ADMIN_AUTH_MAX_FAILURES", 5, 1, 1000),
      windowMs: integer(vars, "ADMIN_AUTH_WINDOW_MS", 60_000, 1000, DAY),
      alarmFailures: integer(vars, "ADMIN_AUTH_ALARM_FAILURES", 20, 1, 1_000_000),
    },
  };
  cache.set(env, limits);
  return limits;
}
