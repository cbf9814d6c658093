import { orderRetryDelaySeconds as retryDelaySeconds } from "../../core/alarms";
import { logEvent } from "../../core/log";
import { ShardRouter } from "../../durable-objects";
import { reportBacklog, reportDeadLetters, SLOW_INTAKE_RETRY_FACTOR } from "./backlog";
import { isOrderMessage, ORDERS_DLQ, type OrderMessage } from "./messages";

/** Load answers: the shard is alive but cannot take this now; come back later. */
const LATER = new Set(["overloaded", "deadline-exceeded", "service-unavailable", "circuit-open"]);

/**
 * Drains the orders queue at a regulated pace: one message at a time per batch, each acked
 * only once its order is final or its saga is durably under way (`pending` orders finish on
 * their shard's timer). When a shard answers with a load refusal, that message — and every
 * later one for the same shard in this batch — is retried with backoff instead of hammered.
 * A message that exhausts `max_retries` goes to the dead-letter queue. Processing is
 * idempotent by `orderId`, as at-least-once delivery requires.
 *
 * Each batch reports its oldest message's age (`queue-backlog`). While that alarm slows
 * intake, the first load refusal backs off the whole batch (not only its shard) and retries
 * wait `SLOW_INTAKE_RETRY_FACTOR` times longer, so a saturated system is not hammered.
 */
export async function consumeOrders(
  batch: MessageBatch<unknown>,
  env: Cloudflare.Env,
): Promise<void> {
  const router = new ShardRouter(env);
  const { slow } = await reportBacklog(batch, env);
  const base = router.config.queueRetryBaseMs * (slow ? SLOW_INTAKE_RETRY_FACTOR : 1);
  const backingOff = new Map<string, number>();
  for (const message of batch.messages) {
    if (!isOrderMessage(message.body)) {
      logEvent("error", "queue-message-malformed", { queue: batch.queue, messageId: message.id });
      message.ack();
      continue;
    }
    const order: OrderMessage = message.body;
    const shard = router.locate("orders", order.orderId).name;
    const hint = backingOff.get(slow ? "*" : shard);
    if (hint !== undefined) {
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base, hint) });
      continue;
    }
    const { orderId, items, fingerprint } = order;
    try {
      const reply = await router
        .orders(orderId)
        .call("processQueued", { orderId, items, fingerprint });
      if (reply.ok || reply.code === "interrupted") {
        // `interrupted`: the saga crashed past its first step; it is durable and its
        // shard's timer finishes it, so a redelivery would only repeat what is under way.
        message.ack();
      } else if (LATER.has(reply.code)) {
        backingOff.set(slow ? "*" : shard, reply.retryAfterMs ?? 1000);
        message.retry({
          delaySeconds: retryDelaySeconds(message.attempts, base, reply.retryAfterMs),
        });
      } else if (reply.code === "internal-error") {
        // The shard crashed on it: try again later; past max_retries the DLQ rejects it.
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
      } else {
        // A definitive answer (e.g. the key is taken by another order): nothing to retry.
        logEvent("warn", "queued-order-refused", {
          orderId,
          code: reply.code,
          detail: reply.detail,
        });
        message.ack();
      }
    } catch (error) {
      logEvent("error", "queued-order-failed", { orderId, error: (error as Error).message });
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
    }
  }
}

/**
 * The dead-letter consumer: an order whose message exhausted its retries is recorded as
 * `rejected` with reason `dead-lettered` (if it is still queued), so every accepted order
 * reaches a final state. Recording is intake work, so it is never refused for load.
 */
export async function consumeDeadLetters(
  batch: MessageBatch<unknown>,
  env: Cloudflare.Env,
): Promise<void> {
  const router = new ShardRouter(env);
  const base = router.config.queueRetryBaseMs;
  for (const message of batch.messages) {
    if (!isOrderMessage(message.body)) {
      message.ack();
      continue;
    }
    const { orderId, fingerprint } = message.body;
    try {
      const reply = await router
        .orders(orderId)
        .call("rejectQueued", { orderId, reason: "dead-lettered", fingerprint });
      if (reply.ok || reply.code === "not-found") message.ack();
      else message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
    } catch {
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, base) });
    }
  }
  await reportDeadLetters(ORDERS_DLQ, batch.messages.length, env);
}
