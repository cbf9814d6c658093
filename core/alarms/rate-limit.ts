/** How often automation may act on one alarm: at most `max` actions per `perMs`. */
export interface ActionLimit {
  readonly max: number;
  readonly perMs: number;
}

/**
 * A sliding-window limit on automation actions: answers whether an action at `now` is
 * allowed given the times of earlier ones, the times to keep, and (when refused) when the
 * next action becomes allowed. Pure, so the alarm manager stores `times` in SQLite.
 */
export function allowAction(
  times: readonly number[],
  now: number,
  limit: ActionLimit,
): { allowed: boolean; times: number[]; nextAt: number } {
  const recent = times.filter((t) => t > now - limit.perMs).sort((a, b) => a - b);
  if (recent.length < limit.max) return { allowed: true, times: [...recent, now], nextAt: now };
  const oldest = recent[recent.length - limit.max] ?? now;
  return { allowed: false, times: recent, nextAt: oldest + limit.perMs };
}
