import type { Alarm } from "../../../core/alarms";
import { logEvent } from "../../../core/log";
import { endpointOf, notifyConfig } from "./config";
import type { NotificationMessage } from "./protocol";
import type { AlarmStore } from "./store";

type Transition = "raised" | "cleared" | "acknowledged";

/**
 * Turns an alarm transition into a notification on the queue when `NOTIFY_WEBHOOK_URL` is
 * set. The id (`msg_…`) and the body are fixed here, so every retry carries the same
 * `webhook-id` and the same bytes; the consumer signs each attempt. A misconfigured endpoint
 * or secret sends nothing (never unsigned) and logs `notify-config-invalid` naming the var.
 */
export async function enqueueNotification(
  env: Cloudflare.Env,
  store: AlarmStore,
  transition: Transition,
  alarm: Alarm,
  now: number,
): Promise<void> {
  const config = notifyConfig(env);
  if (config.state === "off") return;
  if (config.state === "invalid") {
    logEvent("error", "notify-config-invalid", { error: config.error, alarmId: alarm.id });
    return;
  }
  const type = `alarm.${transition}` as const;
  const message: NotificationMessage = {
    id: `msg_${crypto.randomUUID().replaceAll("-", "")}`,
    url: config.url,
    type,
    alarmId: alarm.id,
    body: JSON.stringify({ type, timestamp: new Date(now).toISOString(), data: alarm }),
  };
  store.log.add(message.id, type, alarm.id, now);
  try {
    await env.NOTIFICATIONS_QUEUE.send(message, { contentType: "json" });
    logEvent("info", "notification-queued", { id: message.id, type, alarmId: alarm.id });
  } catch (error) {
    store.log.update(message.id, { attempts: 0, status: "dead-lettered", at: now });
    store.log.increment("dead-lettered");
    logEvent("error", "notification-not-queued", {
      id: message.id,
      endpoint: endpointOf(config.url),
      error: (error as Error).message,
    });
  }
}
