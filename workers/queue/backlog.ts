import { logEvent } from "../../core/log";
import { alarmManager } from "../../durable-objects";

/** How much longer retries wait while a `queue-backlog` alarm slows intake (shared with the alarm manager). */
export { SLOW_INTAKE_RETRY_FACTOR } from "../../core/alarms";

/**
 * The consumer's one call per batch to the alarm manager: the oldest message's age (from
 * `message.timestamp`) feeds `queue-backlog`, and the answer says whether automation asks to
 * slow intake. An unreachable alarm manager never stops the queue: intake stays normal.
 */
export async function reportBacklog(
  batch: MessageBatch<unknown>,
  env: Cloudflare.Env,
  now = Date.now(),
): Promise<{ slow: boolean }> {
  const oldest = Math.min(...batch.messages.map((m) => m.timestamp.getTime()));
  const ageMs = batch.messages.length === 0 ? 0 : Math.max(0, now - oldest);
  try {
    return await alarmManager(env).reportQueueAge(batch.queue, ageMs, now);
  } catch (error) {
    logEvent("warn", "alarm-report-failed", {
      queue: batch.queue,
      error: (error as Error).message,
    });
    return { slow: false };
  }
}

/** A dead-letter consumer saw `count` messages: raises (or refreshes) `dead-letters`. */
export async function reportDeadLetters(
  queue: string,
  count: number,
  env: Cloudflare.Env,
): Promise<void> {
  if (count === 0) return;
  try {
    await alarmManager(env).deadLettered(queue, count);
  } catch (error) {
    logEvent("error", "alarm-report-failed", { queue, error: (error as Error).message });
  }
}
