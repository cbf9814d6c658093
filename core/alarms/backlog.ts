import { fullJitter } from "../backoff";

/**
 * The orders consumer's retry limits, shared with the alarm manager: `queue-backlog` must
 * not read the silence of a queue whose messages all wait out a retry as "no backlog".
 */

/** The longest jittered part of an order message's retry delay. */
export const ORDERS_RETRY_CAP_MS = 60_000;

/** How much longer retries wait while a `queue-backlog` alarm slows intake. */
export const SLOW_INTAKE_RETRY_FACTOR = 4;

/**
 * The longest an order message waits between two deliveries (a Retry-After hint aside):
 * the base delay, slowed by `SLOW_INTAKE_RETRY_FACTOR`, plus the full jitter capped at
 * `ORDERS_RETRY_CAP_MS`. With `QUEUE_RETRY_BASE_MS` at its default 1000, 64 s.
 */
export const longestOrderRetryMs = (retryBaseMs: number): number =>
  retryBaseMs * SLOW_INTAKE_RETRY_FACTOR + ORDERS_RETRY_CAP_MS;

/**
 * The delay of an order message's retry after delivery number `attempts`: the base plus
 * exponential full jitter in the attempts (capped at `ORDERS_RETRY_CAP_MS`), at least the
 * shard's Retry-After hint, in whole seconds (the queue's unit; at most an hour). `random`
 * defaults to `Math.random`.
 */
export function orderRetryDelaySeconds(
  attempts: number,
  baseMs: number,
  hintMs = 0,
  random: () => number = Math.random,
): number {
  const jitter = fullJitter(
    Math.max(0, attempts - 1),
    { baseMs, capMs: ORDERS_RETRY_CAP_MS },
    random,
  );
  return Math.min(Math.ceil(Math.max(baseMs + jitter, hintMs) / 1000), 3600);
}
