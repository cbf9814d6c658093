import { NOTIFICATIONS_DLQ, NOTIFICATIONS_QUEUE } from "../../durable-objects";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import { countEdge } from "../visibility/edge-metrics";
import { ORDERS_DLQ, ORDERS_QUEUE } from "./messages";

type Outcome = "acked" | "retried" | "dead-lettered";

/** Each dead-letter queue and the queue whose messages it receives. */
const DEAD_LETTERS_OF: Readonly<Record<string, string>> = {
  [ORDERS_DLQ]: ORDERS_QUEUE,
  [NOTIFICATIONS_DLQ]: NOTIFICATIONS_QUEUE,
};

/**
 * The batch the consumers see, with each message's `ack`/`retry` counted into
 * `bulwark_queue_messages_total{queue, outcome}` where the consumer decides. A message the
 * dead-letter consumer takes off the DLQ counts once as `dead-lettered` for the queue it came
 * from; the DLQ's own retries count as `retried` for the DLQ.
 */
export function countedBatch(batch: MessageBatch<unknown>): MessageBatch<unknown> {
  const origin = DEAD_LETTERS_OF[batch.queue];
  const deadLetters = origin !== undefined;
  const count = (outcome: Outcome) => {
    const queue = origin !== undefined && outcome !== "retried" ? origin : batch.queue;
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
