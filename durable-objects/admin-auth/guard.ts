import { DurableObject } from "cloudflare:workers";
import { logEvent } from "../../core/log";
import { loadLimits } from "../limits/config";
import { raiseAdminAuthAlarm } from "./alarm";

/** What the guard answers: whether the client may try, and if not, for how long (else 0). */
export interface GuardVerdict {
  readonly blocked: boolean;
  readonly retryAfterMs: number;
}

/** A failure as recorded: the verdict for the client plus its count in the window. */
export interface FailureRecord extends GuardVerdict {
  readonly failures: number;
}

/** The one object that counts failures for the whole deployment. */
export const ADMIN_AUTH_GUARD = "deployment";

/**
 * Counts failed admin authentications per client address in a fixed window
 * (`ADMIN_AUTH_WINDOW_MS`), exactly across every edge isolate: one object for the whole
 * deployment, its counts in SQLite so an eviction forgets nothing. A client with
 * `ADMIN_AUTH_MAX_FAILURES` failures in its window is blocked until the window ends, even
 * with the right token (otherwise the throttle would tell right guesses from wrong ones).
 * Failures of every client together that reach `ADMIN_AUTH_ALARM_FAILURES` in one window
 * raise the `admin-auth-failures` alarm (source: the deployment).
 */
export class AdminAuthGuard extends DurableObject<Cloudflare.Env> {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS admin_auth_failures (
      client TEXT PRIMARY KEY, window_start INTEGER NOT NULL, failures INTEGER NOT NULL)`);
  }

  /** May `client` authenticate now? */
  async check(client: string): Promise<GuardVerdict> {
    const now = Date.now();
    const row = this.#row(client, now);
    return this.#verdict(row, now);
  }

  /** Records one failure of `client`; answers whether this attempt was already over the limit. */
  async recordFailure(client: string): Promise<FailureRecord> {
    const now = Date.now();
    const { windowMs } = loadLimits(this.env).adminAuth;
    const row = this.#row(client, now) ?? { window_start: now, failures: 0 };
    const failures = row.failures + 1;
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT OR REPLACE INTO admin_auth_failures (client, window_start, failures) VALUES (?, ?, ?)",
      client,
      row.window_start,
      failures,
    );
    // Forget finished windows a few at a time, so the table stays as small as the attack.
    sql.exec(
      `DELETE FROM admin_auth_failures WHERE client IN
       (SELECT client FROM admin_auth_failures WHERE window_start <= ? LIMIT 50)`,
      now - windowMs,
    );
    await this.#countTowardsAlarm(now);
    // This attempt is judged by the failures before it: the first `maxFailures` are 401s.
    return { ...this.#verdict(row, now), failures };
  }

  #row(client: string, now: number): { window_start: number; failures: number } | undefined {
    const { windowMs } = loadLimits(this.env).adminAuth;
    const row = this.ctx.storage.sql
      .exec<{ window_start: number; failures: number }>(
        "SELECT window_start, failures FROM admin_auth_failures WHERE client = ?",
        client,
      )
      .toArray()[0];
    return row && now - row.window_start < windowMs ? row : undefined;
  }

  #verdict(row: { window_start: number; failures: number } | undefined, now: number): GuardVerdict {
    const { maxFailures, windowMs } = loadLimits(this.env).adminAuth;
    if (!row || row.failures < maxFailures) return { blocked: false, retryAfterMs: 0 };
    return { blocked: true, retryAfterMs: Math.max(1, row.window_start + windowMs - now) };
  }

  /** Deployment-wide failures in the current window; the alarm is raised once per window. */
  async #countTowardsAlarm(now: number): Promise<void> {
    const { windowMs, alarmFailures } = loadLimits(this.env).adminAuth;
    const storage = this.ctx.storage;
    const window = (await storage.get<{ start: number; failures: number }>("total")) ?? {
      start: now,
      failures: 0,
    };
    const current = now - window.start < windowMs ? window : { start: now, failures: 0 };
    const failures = current.failures + 1;
    await storage.put("total", { start: current.start, failures });
    if (failures !== alarmFailures) return;
    logEvent("warn", "admin-auth-burst", { failures, windowMs });
    await raiseAdminAuthAlarm(this.env, failures, windowMs);
  }
}
