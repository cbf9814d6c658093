import { type Alarm, allowAction } from "../../../core/alarms";
import type { AlarmConfig } from "./config";
import type { AlarmStore } from "./store";

/** A mode automation switched on for an active alarm (the edge and consumers read these). */
export type AutomationMode = "queue-orders" | "slow-intake";

/** What automation decided on a transition: an `action` history line, if it did anything. */
export type ActionNote = string | null;

/**
 * Alarm-driven automation, decided on transitions. Engaging an action counts against the
 * per-alarm limit (`AUTOMATION_MAX_ACTIONS` per `AUTOMATION_WINDOW_MS`); disengaging never
 * does, so a mode always ends with its alarm (the safe side). Modes and due recoveries live in
 * SQLite, so they survive eviction.
 */
export class Automation {
  constructor(
    private readonly store: AlarmStore,
    private readonly config: AlarmConfig,
  ) {}

  /** Runs what `alarm` being raised calls for; answers the action line to record. */
  onRaised(alarm: Alarm, now: number): ActionNote {
    const on = this.config.automation;
    if (alarm.name === "service-down" && on.has("recover-down-service")) {
      const dueAt = now + this.config.downRecoveryMs;
      this.store.scheduleAction(alarm.id, dueAt);
      return `restart of ${alarm.source} scheduled for ${new Date(dueAt).toISOString()} (DOWN_RECOVERY_MS)`;
    }
    if (alarm.name === "overload" && on.has("queue-on-overload")) {
      return this.#engage(
        alarm,
        "queue-orders",
        now,
        "orders that allow respond-async now go to the queue",
      );
    }
    if (alarm.name === "queue-backlog" && on.has("slow-backlog-intake")) {
      return this.#engage(
        alarm,
        "slow-intake",
        now,
        `the ${alarm.source} consumer now takes less per batch and retries later`,
      );
    }
    return null;
  }

  /** Undoes what the alarm's raise engaged; answers the action line to record. */
  onCleared(alarm: Alarm): ActionNote {
    this.store.scheduleAction(alarm.id, null);
    const mode = this.store.mode(alarm.id);
    if (mode === null) return null;
    this.store.setMode(alarm.id, null);
    return mode === "queue-orders"
      ? "orders are placed directly again"
      : `the ${alarm.source} consumer takes full batches again`;
  }

  #engage(alarm: Alarm, mode: AutomationMode, now: number, note: string): ActionNote {
    const limited = allowAction(this.store.actionTimes(alarm.id), now, this.config.actionLimit);
    this.store.setActionTimes(alarm.id, limited.times);
    if (!limited.allowed) {
      return `not engaged (${mode}): rate limit of ${this.config.actionLimit.max} actions per ${this.config.actionLimit.perMs} ms reached`;
    }
    this.store.setMode(alarm.id, mode);
    return note;
  }

  /**
   * Whether a due recovery may run now; when the limit refuses, the recovery is pushed to
   * when it allows one again.
   */
  mayRecover(alarmId: string, now: number): { allowed: boolean; nextAt: number } {
    const limited = allowAction(this.store.actionTimes(alarmId), now, this.config.actionLimit);
    this.store.setActionTimes(alarmId, limited.times);
    if (!limited.allowed) this.store.scheduleAction(alarmId, limited.nextAt);
    return limited;
  }

  /** Services whose orders are queued, and queues whose intake is slowed. */
  state(): { queueOrders: string[]; slowIntake: string[] } {
    const modes = this.store.modes();
    const of = (mode: AutomationMode) =>
      modes
        .filter((m) => m.mode === mode)
        .map((m) => m.source)
        .sort();
    return { queueOrders: of("queue-orders"), slowIntake: of("slow-intake") };
  }
}
