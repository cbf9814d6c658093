import { logEvent } from "../../core/log";
import { isService } from "../config";
import type { SupervisionEvent } from "../runtime";
import { alarmManager } from "../visibility/alarms";
import { ROOT } from "./tree";

/**
 * Supervision events of the reference tree → alarms (supervisors of other trees, such as
 * the runtime's tests, raise none). A service supervisor that gives up raises
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
    if (event.type === "gave-up" && isService(event.supervisor)) {
      await alarms.raise({ name: "restart-intensity-exceeded", source: event.supervisor });
    } else if (event.type === "child-down" && event.supervisor === ROOT && isService(event.child)) {
      await alarms.raise({ name: "service-down", source: event.child });
    } else if (event.type === "child-up" && event.supervisor === ROOT && isService(event.child)) {
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
