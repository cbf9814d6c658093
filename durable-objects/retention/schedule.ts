import type { Retention } from "../limits/config";

/** The part of the runtime's timers the schedule needs. */
export interface TimerTable {
  schedule(name: string, due: number, payload?: unknown): void;
  dueAt(name: string): number | null;
}

/** What one purge run did, and when the oldest remaining finished row becomes purgeable. */
export interface PurgeRun {
  readonly purged: number;
  /** `null` when no finished row is left to wait for. */
  readonly nextDueAt: number | null;
}

/**
 * Pause between batches while a backlog remains: short enough that a shard purges faster
 * than it can finish rows (10 batches a second: 2,000 rows/s at the default batch of 200,
 * above a shard's admitted 1,000 writes/s), long enough that purges never hold it for long.
 */
const BACKLOG_PAUSE_MS = 100;
/** The least time between runs that found no backlog. */
const IDLE_PAUSE_MS = 1000;

/**
 * The retention timer of one shard. It is armed when a row becomes finished (cheaply: once
 * per incarnation, after that only when a run left nothing to wait for), purges one batch
 * per firing, and then sleeps until the oldest remaining finished row is due, so an idle
 * shard is never woken for nothing.
 */
export class RetentionSchedule {
  static readonly TIMER = "retention:";
  readonly #timers: TimerTable;
  readonly #retention: Retention;
  #armed = false;

  constructor(timers: TimerTable, retention: Retention) {
    this.#timers = timers;
    this.#retention = retention;
  }

  /** A row just finished: make sure a purge will come for it (within `intervalMs` of due). */
  finished(dueAt: number): void {
    if (this.#armed) return;
    const current = this.#timers.dueAt(RetentionSchedule.TIMER);
    if (current === null || current > dueAt + this.#retention.intervalMs) {
      this.#timers.schedule(RetentionSchedule.TIMER, dueAt + this.#retention.intervalMs);
    }
    this.#armed = true;
  }

  /** After a purge run: next batch soon if it was full, else when the next row is due. */
  ran(run: PurgeRun, now: number): void {
    if (run.purged >= this.#retention.batch) {
      this.#timers.schedule(RetentionSchedule.TIMER, now + BACKLOG_PAUSE_MS);
    } else if (run.nextDueAt !== null) {
      this.#timers.schedule(
        RetentionSchedule.TIMER,
        Math.max(now + IDLE_PAUSE_MS, run.nextDueAt + this.#retention.intervalMs),
      );
    }
    this.#armed = run.purged >= this.#retention.batch || run.nextDueAt !== null;
  }
}
