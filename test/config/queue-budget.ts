/**
 * How long a queued order may take to reach a final state, derived from the queue's
 * configuration (`wrangler.toml` `[[queues.consumers]]`) instead of guessed: every delivery
 * waits at most one batch timeout, every retry at most the consumer's longest delay for that
 * attempt, and after `max_retries` the dead-letter consumer takes one more batch. Tests poll
 * until the order is final and fail only past this ceiling.
 */

/** The fields of a queue consumer that bound its latency. */
export interface ConsumerConfig {
  readonly queue: string;
  readonly max_batch_timeout?: number;
  readonly max_retries?: number;
}

/** Wrangler's documented defaults for a consumer. */
const DEFAULT_BATCH_TIMEOUT_S = 5;
const DEFAULT_MAX_RETRIES = 3;

/**
 * Worst-case milliseconds from enqueue to a final state for a message that is refused on
 * every delivery. `worstDelaySeconds(attempts)` is the longest delay the consumer asks for
 * after delivery number `attempts` (1-based).
 */
export function finalWithinMs(
  consumers: readonly ConsumerConfig[],
  queue: string,
  worstDelaySeconds: (attempts: number) => number,
): number {
  const consumer = consumers.find((c) => c.queue === queue);
  if (!consumer) throw new Error(`wrangler.toml has no consumer for queue ${queue}`);
  const batchS = consumer.max_batch_timeout ?? DEFAULT_BATCH_TIMEOUT_S;
  const retries = consumer.max_retries ?? DEFAULT_MAX_RETRIES;
  let seconds = batchS; // the first delivery
  for (let attempts = 1; attempts <= retries; attempts++) {
    seconds += worstDelaySeconds(attempts) + batchS;
  }
  return (seconds + batchS) * 1000; // the dead-letter consumer's batch
}
