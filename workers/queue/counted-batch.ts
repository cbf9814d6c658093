import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { countEdge } from "../visibility/edge-metrics";
import { ORDERS_DLQ, ORDERS_QUEUE } from "./messages";

type Outcome = "acked" | "retried" | "dead-lettered";

/**
 * The batch the consumers see, with each message's `ack`/`retry` counted into
 * `bulwark_queue_messages_total{queue, outcome}` where the consumer decides. A message the
 * dead-letter consumer takes off the DLQ counts once as `dead-lettered` for the queue it came
 * from; the DLQ's own retries count as `retried` for the DLQ.
 */
export function countedBatch(batch: MessageBatch<unknown>): MessageBatch<unknown> {
  const deadLetters = batch.queue === ORDERS_DLQ;
  const count = (outcome: Outcome) => {
    const queue = deadLetters && outcome !== "retried" ? ORDERS_QUEUE : batch.queue;
    countEdge(FAMILIES.queueMessages.name, { queue, outcome });
  };
  const messages = batch.messages.map(
    (message): Message<unknown> => ({
      id: message.id,
      timestamp: message.timestamp,
      body: message.body,
      attempts: message.attempts,
      ack: () => {
        message.ack();
        count(deadLetters ? "dead-lettered" : "acked");
      },
      retry: (options) => {
        message.retry(options);
        count("retried");
      },
    }),
  );
  return {
    queue: batch.queue,
    metadata: batch.metadata,
    messages,
    ackAll: () => {
      for (const m of messages) m.ack();
    },
    retryAll: (options) => {
      for (const m of messages) m.retry(options);
    },
  };
}
