import { logEvent } from "../../core/log";
import { alarmManager } from "../visibility/alarms";

/** The alarm a burst of failed admin authentications raises (source: the deployment). */
export const ADMIN_AUTH_ALARM = { name: "admin-auth-failures", source: "deployment" } as const;

/**
 * Raises `admin-auth-failures` (major) for a burst: `failures` failed admin authentications
 * across all clients within `windowMs`. It records an event, so an operator acknowledges or
 * clears it (`POST /v1/ops/alarms/{id}/clear`) once the source is dealt with; a later burst
 * raises it again. A failure to reach the alarm manager is logged, never thrown: the
 * throttle works without it.
 */
export async function raiseAdminAuthAlarm(
  env: Cloudflare.Env,
  failures: number,
  windowMs: number,
): Promise<void> {
  logEvent("warn", "admin-auth-alarm", { ...ADMIN_AUTH_ALARM, failures, windowMs });
  try {
    await alarmManager(env).raise({
      ...ADMIN_AUTH_ALARM,
      severity: "major",
      description: `${failures} failed admin authentications within ${Math.round(windowMs / 1000)} s`,
      probableCause: "someone is guessing the admin token, or a client uses a stale one",
      repairAction:
        "find the client addresses in the admin-auth-failed logs; block them or rotate ADMIN_TOKEN",
    });
  } catch (error) {
    logEvent("error", "alarm-raise-failed", { ...ADMIN_AUTH_ALARM, reason: String(error) });
  }
}
