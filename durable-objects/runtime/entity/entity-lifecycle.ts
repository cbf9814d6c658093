import { fullJitter } from "../../../core/backoff";
import { logEvent } from "../../../core/log";
import { type ActorLifecycle, LIFECYCLE_TABLE } from "../lifecycle";
import { type Failure, fail, RuntimeCodes } from "../result";
import { RuntimeTables } from "../runtime-tables";
import type { Timers } from "../timers";
import { IDLE_TIMER, IdleClock, RETENTION_TIMER } from "./idle-clock";

/** What an entity asks of its supervisor (a `simple_one_for_one` `Supervisor`). */
export interface EntitySupervisorRpc {
  childActivated(args: { childId: string }): Promise<{ ok: true } | { error: string }>;
  childPassivated(args: { childId: string }): Promise<unknown>;
}

/** What the actor around an entity gives it (its own parts: this runs inside the actor). */
export interface EntityHost {
  readonly name: string;
  readonly service: string;
  readonly storage: DurableObjectStorage;
  readonly timers: Timers;
  readonly lifecycle: ActorLifecycle;
  /** Ends the incarnation: the runtime's memory and the actor's (`onReset`) are dropped. */
  endIncarnation(): void;
  /** The actor's supervisor link: where it enrolls and leaves (`null`: unsupervised). */
  supervision(): {
    readonly supervisor: Partial<EntitySupervisorRpc>;
    readonly childId: string;
  } | null;
  onIdle(): void;
}

/** A failed enrollment is tried again after this long, not on every message. */
const REFUSAL_MEMORY_MS = 1000;
/** Longest backoff (beyond the slack) between retries of a failed leave: 5 minutes. */
const LEAVE_RETRY_CAP_MS = 5 * 60_000;

/**
 * Activation and passivation of one entity (an actor placed one per key). An entity is
 * *active* while its supervisor lists it: it enrolls (`childActivated`, one indexed row) on the
 * first message after it was passive or stopped, and leaves (`childPassivated`) when its idle
 * timer finds no activity for `idleTimeoutMs`, after `onIdle` ran and its memory was dropped.
 * Whether it is enrolled is kept in its own storage, so a wake-up after eviction (a
 * hibernated socket's message, say) costs no round trip to the supervisor.
 */
export class EntityLifecycle {
  readonly idle: IdleClock;
  readonly #host: EntityHost;
  readonly #tables: RuntimeTables;
  readonly #retentionMs: number | null;
  #enrolled: boolean | undefined;
  #enrolling: Promise<Failure | null> | null = null;
  #leaving: Promise<void> | null = null;
  /** Leaves that failed in a row in this incarnation (the retry's backoff exponent). */
  #failedLeaves = 0;
  /** The last failed enrollment, remembered for a second: refused (stopped) or unlisted. */
  #memo: { readonly until: number; readonly refused: Failure | null } | null = null;

  /**
   * Throws unless `idleTimeoutMs` is an integer from 1 to 2^31 − 1 (a timer's range) and
   * `retentionMs` (`null`: a passive entity's storage is kept for ever) a positive integer.
   */
  constructor(idleTimeoutMs: number, host: EntityHost, retentionMs: number | null = null) {
    if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 1 || idleTimeoutMs > 2 ** 31 - 1) {
      throw new Error(
        `${host.service}: idleTimeoutMs must be an integer from 1 to 2147483647, got ${idleTimeoutMs}`,
      );
    }
    if (retentionMs !== null && (!Number.isSafeInteger(retentionMs) || retentionMs < 1)) {
      throw new Error(
        `${host.service}: retentionMs must be a positive integer, got ${retentionMs}`,
      );
    }
    this.#host = host;
    this.#retentionMs = retentionMs;
    this.#tables = RuntimeTables.of(host.storage);
    this.#tables.onErased(() => {
      this.#enrolled = false;
      this.idle.forget();
    });
    this.idle = new IdleClock(host.timers, idleTimeoutMs);
  }

  /**
   * Before a message: enrolls the entity if it is not active (refusing with
   * `service-unavailable` while its supervisor is stopped), and records activity. Reads pass
   * `activity: false`: they observe an entity without keeping it alive, and a read of a
   * passive entity wakes nothing — no supervisor row, no idle clock — so reading unknown
   * keys (which no rate limit counts) leaves nothing behind.
   */
  async admit(now: number, activity: boolean): Promise<Failure | null> {
    if (this.#active()) {
      if (activity && this.idle.touch(now)) await this.#host.timers.arm();
      return null;
    }
    if (!activity) return null;
    if (this.#memo && now < this.#memo.until) return this.#memo.refused;
    this.#enrolling ??= this.#enroll().finally(() => {
      this.#enrolling = null;
    });
    const refused = await this.#enrolling;
    if (refused) return refused;
    // Armed whether or not the idle timer moved: one taken back after a stop had its alarm
    // on the retention timer alone (`Timers.armOnly`).
    this.idle.touch(now);
    await this.#host.timers.arm();
    return null;
  }

  /**
   * The idle timer fired (inside the timer's transaction). Activity since it was set moves it
   * to the real deadline; otherwise the entity passivates: `onIdle`, memory dropped, marked
   * passive — all in that transaction — then it leaves its supervisor (the returned promise,
   * after the commit). A throw from `onIdle` is a crash: nothing is kept, the timer retries.
   * A leave that did not get through sets the timer again (`#leaveOrRetry`).
   */
  fired(now: number): Promise<void> | undefined {
    const deadline = this.idle.deadline();
    if (deadline !== null && deadline > now) {
      this.idle.moveTo(deadline);
      return undefined;
    }
    // A passive entity's timer: its passivation committed but the leave may not have reached
    // the supervisor (evicted on the way); leaving again is idempotent. Not while a message
    // is activating it: that enrolment lists it anew, and a leave sent behind it would unlist
    // an active entity (its idle clock covers it from then on).
    if (!this.#enrolledInStorage()) {
      if (!this.#enrolling) return this.#leaveInOrder();
      // Looked at again later: if that enrolment ends passive (refused), the leave is due.
      this.idle.moveTo(Date.now() + this.#retryFloorMs());
      return undefined;
    }
    this.#host.onIdle();
    this.#host.endIncarnation();
    this.idle.forget();
    this.#setEnrolled(false);
    if (this.#retentionMs !== null) {
      this.#host.timers.schedule(RETENTION_TIMER, now + this.#retentionMs);
    }
    return this.#leaveInOrder();
  }

  /**
   * Its supervisor stopped it (call it after the stop is stored). A stopped entity runs no
   * handler, so it never passivates: its storage is kept `retentionMs` from now, as a passive
   * one's is, unless a message takes it back first. Whether a retention timer was set.
   */
  stopped(now: number): boolean {
    if (this.#retentionMs === null) return false;
    this.#host.timers.schedule(RETENTION_TIMER, now + this.#retentionMs);
    return true;
  }

  /**
   * The retention timer fired (call it inside a transaction): whether the entity's storage
   * may be erased now. Not while it is active or activating (the timer goes; its next
   * passivation or stop sets it again), nor while a leave is on its way, a socket is open
   * (`openSockets`) or another timer is pending — an idempotency record's sweep, a leave to
   * send again, a service's own timer: then the timer moves past what is pending and the
   * question is asked again there. An entity with nothing of that is erased.
   *
   * A stopped entity runs no timer until it is taken back: only one still to come holds it
   * (an idempotency record's sweep is due when the record expires, so a retry within the
   * record's life is still answered); its idle timer and timers already due do not, and go
   * with the rest of its storage.
   */
  retired(now: number, openSockets: number): boolean {
    const { timers } = this.#host;
    const stopped = this.#host.lifecycle.stopped;
    if (this.#retentionMs === null || this.#active() || this.#enrolling) {
      timers.cancel(RETENTION_TIMER);
      return false;
    }
    if (this.#leaving || openSockets > 0) {
      timers.schedule(RETENTION_TIMER, now + Math.max(this.#retryFloorMs(), this.idle.timeoutMs));
      return false;
    }
    const pending = stopped
      ? timers.latestDueExcept(RETENTION_TIMER, IDLE_TIMER)
      : timers.latestDueExcept(RETENTION_TIMER);
    if (pending !== null && (!stopped || pending > now)) {
      timers.schedule(RETENTION_TIMER, Math.max(pending, now) + 1);
      return false;
    }
    return true;
  }

  /**
   * Leaves, as the one leave an enrolment waits for (`#enroll` awaits `#leaving`): an
   * activation that comes while a leave is on its way joins after it, so the older leave can
   * never unlist the newer activation.
   */
  #leaveInOrder(): Promise<void> {
    const leaving: Promise<void> = this.#leaveOrRetry().finally(() => {
      if (this.#leaving === leaving) this.#leaving = null;
    });
    this.#leaving = leaving;
    return leaving;
  }

  #active(): boolean {
    return this.#enrolledInStorage() && !this.#host.lifecycle.stopped;
  }

  #enrolledInStorage(): boolean {
    this.#enrolled ??=
      this.#tables.query(LIFECYCLE_TABLE, "SELECT 1 FROM _bulwark_lifecycle WHERE key = 'enrolled'")
        .length > 0;
    return this.#enrolled;
  }

  #setEnrolled(enrolled: boolean): void {
    if (enrolled) {
      this.#tables.write(
        "INSERT OR REPLACE INTO _bulwark_lifecycle (key, value) VALUES ('enrolled', '1')",
      );
    } else {
      this.#tables.query(LIFECYCLE_TABLE, "DELETE FROM _bulwark_lifecycle WHERE key = 'enrolled'");
    }
    this.#enrolled = enrolled;
  }

  /** Joins the supervisor (after a passivation still on its way there, so they stay in order). */
  async #enroll(): Promise<Failure | null> {
    await this.#leaving;
    const link = this.#host.supervision();
    if (link?.supervisor.childActivated) {
      let answer: { ok: true } | { error: string };
      try {
        answer = await link.supervisor.childActivated({ childId: link.childId });
      } catch (error) {
        // Supervision is bookkeeping: an unreachable supervisor must not take the entity
        // down. It serves unlisted (unless stopped) and asks again a second later.
        // It still counts as active here, so its idle clock passivates it as usual.
        this.#log("warn", "entity-enroll-failed", String(error));
        this.#setEnrolled(true);
        return this.#remember(null);
      }
      if ("error" in answer) {
        if (answer.error === "stopped") return this.#remember(this.#refusal());
        this.#log("error", "entity-enroll-refused", answer.error);
        this.#setEnrolled(true);
        return this.#remember(null);
      }
    }
    this.#memo = null;
    const { lifecycle } = this.#host;
    if (lifecycle.stopped) {
      // Taken back after a stop: that incarnation (or an `ignore`d one) starts anew.
      lifecycle.setStopped(null);
      lifecycle.reset();
    }
    this.#setEnrolled(true);
    return null;
  }

  #remember(refused: Failure | null): Failure | null {
    this.#memo = { until: Date.now() + REFUSAL_MEMORY_MS, refused };
    return refused;
  }

  /**
   * Leaves the supervisor. If the leave fails, the idle timer is set again (the actor keeps a
   * timer its handler set again), so the passive entity's next firing leaves once more —
   * otherwise its row would stay listed until the entity happened to activate again. Retried
   * a `slack` (at least a second) plus a full-jitter backoff later, doubling per failure in
   * this incarnation up to `LEAVE_RETRY_CAP_MS`: an outage does not bring every passive
   * entity back to its supervisor at once, nor every second.
   */
  async #leaveOrRetry(): Promise<void> {
    if (await this.#leave()) {
      this.#failedLeaves = 0;
      return;
    }
    const floor = this.#retryFloorMs();
    const backoff = fullJitter(this.#failedLeaves++, { baseMs: floor, capMs: LEAVE_RETRY_CAP_MS });
    this.idle.moveTo(Date.now() + floor + backoff);
  }

  #retryFloorMs(): number {
    return Math.max(REFUSAL_MEMORY_MS, this.idle.slackMs);
  }

  /** Whether the leave got through (answered; an answer of any kind is final). */
  async #leave(): Promise<boolean> {
    const link = this.#host.supervision();
    try {
      await link?.supervisor.childPassivated?.({ childId: link.childId });
      return true;
    } catch (error) {
      this.#log("warn", "entity-leave-failed", String(error));
      return false;
    }
  }

  #refusal(): Failure {
    return fail(
      RuntimeCodes.serviceUnavailable,
      `${this.#host.service} is down: the supervisor of ${this.#host.name} is stopped`,
      { retryAfterMs: REFUSAL_MEMORY_MS },
    );
  }

  #log(level: "warn" | "error", event: string, error: string): void {
    logEvent(level, event, { service: this.#host.service, actor: this.#host.name, error });
  }
}
