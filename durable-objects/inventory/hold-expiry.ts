/** The part of the runtime's timers hold expiry needs. */
export interface ExpiryTimers {
  schedule(name: string, due: number, payload?: unknown): void;
  dueAt(name: string): number | null;
  cancelPrefix(prefix: string): void;
}

/** Holds expired per firing at most; a larger backlog fires again after `BACKLOG_PAUSE_MS`. */
export const EXPIRY_BATCH = 500;
const BACKLOG_PAUSE_MS = 100;

/**
 * When a shard's holds expire: ONE runtime timer, due at the earliest active hold's expiry,
 * instead of a timer row per hold. The holds table is already indexed by
 * `(status, expires_at)`, so a timer per hold duplicated it: a write per placed hold and a
 * delete per settled one, for nothing the index did not know. Placing a hold touches the
 * timer only when the hold expires before every other; a settled hold leaves the timer
 * where it is (it may wake the shard for nothing, which then sleeps until the next expiry).
 *
 * It also keeps a lower bound of the earliest active expiry, so a command skips looking for
 * due holds while none can be due. Both the bound and the timer's remembered due time are
 * memory of this incarnation (`-Infinity` / unknown after a start): a rolled-back command
 * crashes the actor, and its next start builds a fresh `HoldExpiry`.
 *
 * Earlier versions armed a `hold:<id>` timer per hold; `start` deletes those and arms the
 * one timer from the holds themselves, so a shard's existing data migrates on its next start.
 */
export class HoldExpiry {
  static readonly TIMER = "holds:due";
  static readonly LEGACY_PREFIX = "hold:";
  readonly #timers: ExpiryTimers;
  #noneBefore = Number.NEGATIVE_INFINITY;
  #timerAt: number | null | undefined;

  constructor(timers: ExpiryTimers) {
    this.#timers = timers;
  }

  /**
   * On start: drop per-hold timers of earlier versions and arm for the earliest active hold
   * unless the timer is set. A set timer stays where it is, even when later than that hold:
   * after a failed firing the runtime moved it back on purpose (backoff), and re-arming it
   * on every start would undo the backoff.
   */
  start(earliest: number | null): void {
    this.#timers.cancelPrefix(HoldExpiry.LEGACY_PREFIX);
    this.#timerAt = this.#timers.dueAt(HoldExpiry.TIMER);
    if (this.#timerAt === null && earliest !== null) this.#schedule(earliest);
    this.learned(earliest);
  }

  /** Whether a hold may be due at `now` (if not, nothing needs expiring). */
  mayBeDue(now: number): boolean {
    return now >= this.#noneBefore;
  }

  /** A hold became active: the bound and the timer cover its expiry. */
  placed(expiresAt: number): void {
    this.#noneBefore = Math.min(this.#noneBefore, expiresAt);
    this.#cover(expiresAt);
  }

  /**
   * Storage says the earliest active hold expires at `earliest` (`null`: none active). Only
   * the bound moves: expiring or settling holds never makes the timer late.
   */
  learned(earliest: number | null): void {
    this.#noneBefore = earliest ?? Number.POSITIVE_INFINITY;
  }

  /**
   * After the timer fired and expired `expired` holds: fire again soon while a backlog may
   * remain, else at the next expiry. (The runtime consumes a fired timer unless its handler
   * set it again, as this does.)
   */
  fired(expired: number, earliest: number | null, now: number): void {
    this.#timerAt = null;
    this.learned(earliest);
    if (expired >= EXPIRY_BATCH) this.#schedule(now + BACKLOG_PAUSE_MS);
    else if (earliest !== null) this.#schedule(earliest);
  }

  #cover(at: number): void {
    if (this.#timerAt === undefined) this.#timerAt = this.#timers.dueAt(HoldExpiry.TIMER);
    if (this.#timerAt === null || at < this.#timerAt) this.#schedule(at);
  }

  #schedule(at: number): void {
    this.#timers.schedule(HoldExpiry.TIMER, at);
    this.#timerAt = at;
  }
}
