import { logEvent } from "../../core/log";
import { isService, loadConfig } from "../config";
import type { SupervisionEvent } from "../runtime";
import { alarmManager } from "../visibility/alarms";
import { entityServiceOf, ROOT } from "./tree";

/**
 * Supervision events of the reference tree → alarms (supervisors of other trees, such as
 * the runtime's tests, raise none). A service supervisor that gives up raises
 * `restart-intensity-exceeded`; the root marking a service down raises `service-down`; the
 * root bringing it back (admin restart, automation, cron) clears both. A per-entity
 * service's partition that gives up raises (or, while active, refreshes) `partition-gave-up`
 * naming its offender; its service's supervisor restarts the partition at once, so that
 * alarm records the event and clears after a quiet window (`PARTITION_GAVE_UP_CLEAR_MS`).
 * Failures to reach the alarm manager are logged, never thrown: alarms must not break
 * supervision (the cron reconciles `service-down` from the root's state).
 */
export async function supervisionAlarms(
  env: Cloudflare.Env,
  event: SupervisionEvent,
): Promise<void> {
  try {
    const alarms = alarmManager(env);
    if (event.type === "gave-up" && isService(event.supervisor)) {
      await alarms.raise({ name: "restart-intensity-exceeded", source: event.supervisor });
    } else if (event.type === "gave-up") {
      const service = entityServiceOf(loadConfig(env), event.supervisor);
      if (service === null) return;
      const description =
        `entity partition ${event.supervisor} of ${service} gave up: its entities crashed ` +
        `past its restart intensity (the last to crash: ${event.offender})`;
      await alarms.raise({ name: "partition-gave-up", source: event.supervisor, description });
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
