import type { Alarm } from "../../../core/alarms";
import { logEvent } from "../../../core/log";
import type { DeadLetter } from "./alarm-book";
import { endpointOf, notifyConfig } from "./config";
import type { NotificationMessage } from "./protocol";
import type { AlarmStore } from "./store";

type Transition = "raised" | "cleared" | "acknowledged";

/**
 * Turns an alarm transition into a notification on the queue when `NOTIFY_WEBHOOK_URL` is
 * set. The id (`msg_…`) and the body are fixed here, so every retry carries the same
 * `webhook-id` and the same bytes; the consumer signs each attempt. A misconfigured endpoint
 * or secret sends nothing (never unsigned) and logs `notify-config-invalid` naming the var.
 * A queue that refuses the message makes it a dead letter at once, which it answers: the
 * caller records it as one the consumer gave up on (`AlarmBook.deadLettered`).
 */
export async function enqueueNotification(
  env: Cloudflare.Env,
  store: AlarmStore,
  transition: Transition,
  alarm: Alarm,
  now: number,
): Promise<DeadLetter | null> {
  const config = notifyConfig(env);
  if (config.state === "off") return null;
  if (config.state === "invalid") {
    logEvent("error", "notify-config-invalid", { error: config.error, alarmId: alarm.id });
    return null;
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
    return null;
  } catch (error) {
    const endpoint = endpointOf(config.url);
    const why = `the notifications queue refused one: ${(error as Error).message}`;
    logEvent("error", "notification-not-queued", { id: message.id, endpoint, error: why });
    return { id: message.id, attempts: 0, code: null, endpoint, why };
  }
}
