import type { Retention } from "../limits/config";
import type { PurgeRun } from "../retention/schedule";

const FINISHED = "('released', 'expired', 'confirmed')";

/**
 * Deletes, oldest first and at most `batch` rows in all, finished holds (released, expired,
 * confirmed, and compensation tombstones) whose `expires_at` is older than `holdsMs`, and
 * stock events older than `eventsMs`. A hold's age counts from its expiry, not from when it
 * finished: at most its ttl later, and no schema change. The window must outlast any late
 * duplicate of a saga step (the saga gives up after 5 minutes), which the defaults do by far.
 * Finished holds are found by the store's `holds_by_time` index.
 */
export function purgeInventory(sql: SqlStorage, retention: Retention, now: number): PurgeRun {
  const holdsBefore = now - retention.holdsMs;
  const eventsBefore = now - retention.eventsMs;
  const holds = sql
    .exec(
      `DELETE FROM holds WHERE hold_id IN (SELECT hold_id FROM holds
       WHERE status IN ${FINISHED} AND expires_at <= ? ORDER BY expires_at LIMIT ?)
       RETURNING hold_id`,
      holdsBefore,
      retention.batch,
    )
    .toArray().length;
  const events = sql
    .exec(
      `DELETE FROM stock_events WHERE seq IN (SELECT seq FROM stock_events
       WHERE at <= ? ORDER BY seq LIMIT ?) RETURNING seq`,
      eventsBefore,
      Math.max(0, retention.batch - holds),
    )
    .toArray().length;
  const next = sql
    .exec<{ hold: number | null; event: number | null }>(
      `SELECT (SELECT MIN(expires_at) FROM holds WHERE status IN ${FINISHED}) AS hold,
              (SELECT MIN(at) FROM stock_events) AS event`,
    )
    .one();
  const dues = [
    next.hold === null ? null : next.hold + retention.holdsMs,
    next.event === null ? null : next.event + retention.eventsMs,
  ].filter((d): d is number => d !== null);
  return { purged: holds + events, nextDueAt: dues.length > 0 ? Math.min(...dues) : null };
}
