import { logEvent } from "../../core/log";

/**
 * A burst of failed admin authentications across the deployment. Logged as
 * `admin-auth-alarm`; raised as the `admin-auth-failures` alarm once the alarm manager is
 * bound (`ALARMS`).
 */
export async function raiseAdminAuthAlarm(
  _env: Cloudflare.Env,
  failures: number,
  windowMs: number,
): Promise<void> {
  logEvent("warn", "admin-auth-alarm", { name: "admin-auth-failures", failures, windowMs });
}
