import { alarmId } from "../../../core/alarms";
import { SERVICES } from "../../config";
import type { AlarmBook } from "./alarm-book";
import { endpointOf, notifyConfig } from "./config";
import { downServices } from "./signals";
import type { AlarmStore } from "./store";

/** The alarms of a down service; both end when the root reports it up again. */
const SUPERVISION_ALARMS = ["service-down", "restart-intensity-exceeded"] as const;

/**
 * The cron's reconciliation with the root supervisor, which knows what is down: raises
 * `service-down` for a service it marks down that no alarm covers, and clears both
 * supervision alarms of every service it reports up, so a lost raise or clear heals within
 * a minute. Nothing changes when the root cannot be asked.
 */
export async function followRoot(
  env: Cloudflare.Env,
  store: AlarmStore,
  book: AlarmBook,
  now: number,
): Promise<void> {
  const down = await downServices(env);
  if (down === null) return;
  for (const service of down) {
    if (store.alarm(alarmId("service-down", service)) === null)
      await book.raise({ name: "service-down", source: service }, now);
  }
  for (const service of SERVICES.filter((s) => !down.includes(s))) {
    for (const name of SUPERVISION_ALARMS)
      await book.clear(alarmId(name, service), now, `the root reports ${service} up`);
  }
}

/**
 * Clears `notifications-failing` of every endpoint that is no longer `NOTIFY_WEBHOOK_URL`'s
 * (or of all of them when notifications are off): no delivery will ever clear those.
 */
export async function clearRetiredEndpoints(
  env: Cloudflare.Env,
  store: AlarmStore,
  book: AlarmBook,
  now: number,
): Promise<void> {
  const config = notifyConfig(env);
  const current = config.state === "off" ? null : endpointOf(config.url);
  for (const alarm of store.active()) {
    if (alarm.name === "notifications-failing" && alarm.source !== current)
      await book.clear(alarm.id, now, `${alarm.source} is no longer the webhook endpoint`);
  }
}
