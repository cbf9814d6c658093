import { fullJitter } from "../backoff";

/** What a receiver's answer means for a notification. */
export type AttemptOutcome = "delivered" | "gone" | "retry";

/** `2xx` delivered it; `410 Gone` stops at once (Standard Webhooks); anything else retries. */
export function outcomeOf(status: number | null): AttemptOutcome {
  if (status !== null && status >= 200 && status < 300) return "delivered";
  if (status === 410) return "gone";
  return "retry";
}

/**
 * `Retry-After` in milliseconds (delay-seconds or an HTTP-date, RFC 9110), or 0 when absent
 * or unreadable.
 */
export function retryAfterMs(header: string | null, now: number): number {
  if (header === null || header.trim() === "") return 0;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now);
}

/** The longest a notification waits between two attempts (the queue allows 12 h). */
export const NOTIFY_RETRY_CAP_MS = 3_600_000;

/**
 * Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: exponential
 * from `baseMs` with full jitter (`baseMs + [0, baseMs·2^(attempt-1))`, capped), or the
 * receiver's `Retry-After` when that is longer.
 */
export function notifyRetryDelayMs(
  attempt: number,
  baseMs: number,
  retryAfter: number,
  random: () => number = Math.random,
): number {
  const jitter = fullJitter(
    Math.max(0, attempt - 1),
    { baseMs, capMs: NOTIFY_RETRY_CAP_MS },
    random,
  );
  return Math.min(NOTIFY_RETRY_CAP_MS, Math.max(baseMs + jitter, retryAfter));
}
