import { logEvent } from "../../core/log";
import { notifyRetryDelayMs, outcomeOf, retryAfterMs, webhookHeaders } from "../../core/webhooks";
import { alarmManager, NOTIFICATIONS_DLQ } from "../../durable-objects";
import {
  type AttemptReport,
  isNotificationMessage,
  type NotificationMessage,
  signingConfig,
} from "../../durable-objects/visibility/alarms";

/** How long one attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** How a notification reaches its receiver; `fetch` in production, injectable in tests. */
export type Transport = (url: string, init: RequestInit) => Promise<Response>;

/** One signed attempt: the receiver's status (null when unreachable) and its `Retry-After`. */
async function attempt(n: NotificationMessage, key: Uint8Array, send: Transport) {
  const now = Date.now();
  const headers = await webhookHeaders(key, n.id, n.body, now);
  try {
    const response = await send(n.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "bulwark-alarms", ...headers },
      body: n.body,
      redirect: "manual",
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return {
      status: response.status,
      retryAfter: retryAfterMs(response.headers.get("Retry-After"), now),
    };
  } catch (error) {
    logEvent("warn", "notification-unreachable", { id: n.id, error: (error as Error).message });
    return { status: null, retryAfter: 0 };
  }
}

/**
 * The notification consumer: signs each attempt afresh (`webhook-timestamp` is this attempt's
 * time; `webhook-id` and body are the message's), POSTs it, and reports the outcome to the
 * alarm manager. `2xx` acks; `410` acks and records the notification dead-lettered at once;
 * anything else retries with exponential backoff and full jitter from `NOTIFY_RETRY_BASE_MS`
 * (or the receiver's longer `Retry-After`). Past the queue's `max_retries` the message goes to
 * the dead-letter queue. A malformed secret sends nothing: the message is retried, so it ends
 * dead-lettered and raises `notifications-failing` rather than ever going out unsigned.
 */
export async function deliverNotifications(
  batch: MessageBatch<unknown>,
  env: Cloudflare.Env,
  send: Transport = (url, init) => fetch(url, init),
): Promise<void> {
  const signing = signingConfig(env);
  const alarms = alarmManager(env);
  for (const message of batch.messages) {
    if (!isNotificationMessage(message.body)) {
      logEvent("error", "notification-malformed", { messageId: message.id });
      message.ack();
      continue;
    }
    const n = message.body;
    if (!signing.ok) {
      logEvent("error", "notify-config-invalid", { id: n.id, error: signing.error });
      message.retry({ delaySeconds: 60 });
      continue;
    }
    const { status, retryAfter } = await attempt(n, signing.key, send);
    const outcome = outcomeOf(status);
    // Queues delay in whole seconds.
    const delaySeconds = Math.ceil(
      notifyRetryDelayMs(message.attempts, signing.retryBaseMs, retryAfter) / 1000,
    );
    if (outcome === "retry") message.retry({ delaySeconds });
    else message.ack();
    const report: AttemptReport = {
      id: n.id,
      url: n.url,
      attempts: message.attempts,
      statusCode: status,
      outcome: outcome === "retry" ? "retried" : outcome === "gone" ? "gone" : "delivered",
      retryInMs: delaySeconds * 1000,
    };
    await alarms.recordAttempt(report).catch((error: Error) => {
      logEvent("error", "alarm-report-failed", { id: n.id, error: error.message });
    });
  }
}

/**
 * The notifications' dead-letter consumer: each message exhausted its attempts; the alarm
 * manager marks it dead-lettered and raises `notifications-failing` (and `dead-letters`).
 * An unreachable alarm manager is logged and never retries the batch (as the orders DLQ
 * does): a retried DLQ message would only come back to the same failing report.
 */
export async function deadLetteredNotifications(
  batch: MessageBatch<unknown>,
  env: Cloudflare.Env,
): Promise<void> {
  const alarms = alarmManager(env);
  const failed = (error: Error, id?: string) =>
    logEvent("error", "alarm-report-failed", { queue: batch.queue, id, error: error.message });
  for (const message of batch.messages) {
    if (isNotificationMessage(message.body)) {
      const { id, url } = message.body;
      await alarms.recordDeadLetter(id, url).catch((error: Error) => failed(error, id));
    }
    message.ack();
  }
  await alarms
    .deadLettered(NOTIFICATIONS_DLQ, batch.messages.length)
    .catch((error: Error) => failed(error));
}
