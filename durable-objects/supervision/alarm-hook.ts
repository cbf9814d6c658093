import { logEvent } from "../../core/log";
import type { SupervisionEvent } from "../runtime";
import { alarmManager } from "../visibility/alarms";
import { ROOT } from "./tree";

/**
 * Supervision events → alarms. A service supervisor that gives up raises
 * `restart-intensity-exceeded`; the root marking a service down raises `service-down`; the
 * root bringing it back (admin restart, automation, cron) clears both. Failures to reach the
 * alarm manager are logged, never thrown: alarms must not break supervision (the cron
 * reconciles `service-down` from the root's state).
 */
export async function supervisionAlarms(
  env: Cloudflare.Env,
  event: SupervisionEvent,
): Promise<void> {
  const alarms = alarmManager(env);
  try {
    if (event.type === "gave-up" && event.supervisor !== ROOT) {
      await alarms.raise({ name: "restart-intensity-exceeded", source: event.supervisor });
    } else if (event.type === "child-down" && event.supervisor === ROOT) {
      await alarms.raise({ name: "service-down", source: event.child });
    } else if (event.type === "child-up" && event.supervisor === ROOT) {
      await alarms.clear("service-down", event.child);
      await alarms.clear("restart-intensity-exceeded", event.child);
    }
  } catch (error) {
    logEvent("error", "alarm-report-failed", {
      event: event.type,
      error: (error as Error).message,
    });
  }
}
