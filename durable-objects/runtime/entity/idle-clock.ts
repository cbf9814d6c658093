import type { Timers } from "../timers";

/** The runtime's reserved timer name for idle passivation (one per entity). */
export const IDLE_TIMER = "_bulwark_idle";

/** The runtime's reserved timer name that erases a passive entity's storage (`retentionMs`). */
export const RETENTION_TIMER = "_bulwark_retention";

/** Most the stored idle deadline may run ahead of the real one (see `IdleClock`). */
export const IDLE_SLACK_MAX_MS = 60_000;

/**
 * When an entity last had activity, and the one timer that passivates it. Activity is kept
 * in memory: a message costs no storage write. The stored timer is only moved when the real
 * deadline (last activity + timeout) would pass it, and then `slack` further out
 * (`min(timeout / 4, 60 s)`), so a busy entity writes at most about once per `slack`.
 *
 * The stored deadline is therefore never earlier than the real one: when the timer fires on
 * an incarnation that remembers its activity, the entity is idle exactly when the real
 * deadline has passed (else the timer moves there); when it fires on a fresh incarnation
 * (the platform evicted the object, hibernated sockets included, and nothing came since), the
 * entity is idle at once — at most `slack` later than the real deadline, never earlier.
 */
export class IdleClock {
  readonly timeoutMs: number;
  readonly slackMs: number;
  readonly #timers: Timers;
  #lastActive: number | null = null;
  /** The stored deadline as last read or written; `undefined`: not read yet. */
  #storedDue: number | null | undefined;

  constructor(timers: Timers, timeoutMs: number) {
    this.#timers = timers;
    this.timeoutMs = timeoutMs;
    this.slackMs = Math.min(Math.ceil(timeoutMs / 4), IDLE_SLACK_MAX_MS);
  }

  /** Records activity at `now`; answers whether the timer moved (the alarm must be re-armed). */
  touch(now: number): boolean {
    this.#lastActive = Math.max(now, this.#lastActive ?? now);
    const deadline = this.#lastActive + this.timeoutMs;
    if (this.#storedDue === undefined) this.#storedDue = this.#timers.dueAt(IDLE_TIMER);
    if (this.#storedDue !== null && this.#storedDue >= deadline) return false;
    this.moveTo(deadline + this.slackMs);
    return true;
  }

  /** The real deadline, or `null` when this incarnation saw no activity (see the class). */
  deadline(): number | null {
    return this.#lastActive === null ? null : this.#lastActive + this.timeoutMs;
  }

  /**
   * When the entity last had activity: exact while it stays in memory; after an eviction, the
   * earliest it can have been (at most `slack` early). `null` when nothing is known.
   */
  lastActiveAt(): number | null {
    if (this.#lastActive !== null) return this.#lastActive;
    if (this.#storedDue === undefined) this.#storedDue = this.#timers.dueAt(IDLE_TIMER);
    return this.#storedDue === null ? null : this.#storedDue - this.timeoutMs - this.slackMs;
  }

  /** Moves the stored timer to `due` (epoch ms). */
  moveTo(due: number): void {
    this.#timers.schedule(IDLE_TIMER, due);
    this.#storedDue = due;
  }

  /** Passivated: no activity is known and the timer is gone (read again when needed). */
  forget(): void {
    this.#lastActive = null;
    this.#storedDue = undefined;
  }
}
