import {
  type Alarm,
  type AlarmEventKind,
  alarmId,
  definitionOf,
  IDLE,
  isAlarmName,
  observe,
  type ThresholdWindows,
} from "../../../core/alarms";
import { logEvent } from "../../../core/log";
import type { Automation } from "./automation";
import type { AlarmConfig } from "./config";
import { enqueueNotification } from "./notifier";
import type { RaiseInput } from "./protocol";
import type { AlarmStore } from "./store";

/** A notification given up on: its delivery, attempts, last status code, endpoint and why. */
export interface DeadLetter {
  readonly id: string;
  readonly attempts: number;
  readonly code: number | null;
  readonly endpoint: string;
  readonly why: string;
}

/** Threshold alarms: the names `sample` accepts. */
export type ThresholdAlarm = "overload" | "queue-backlog";

/**
 * The alarm manager's state machine over its store: raise (or update), clear, and the
 * threshold samples that lead to them. Every transition is appended to the history, logged,
 * notified (raised, cleared, acknowledged) and handed to automation, whose actions are
 * recorded as `action` events.
 */
export class AlarmBook {
  readonly #store: AlarmStore;
  readonly #env: Cloudflare.Env;
  readonly #config: AlarmConfig;
  readonly #automation: Automation;

  constructor(store: AlarmStore, env: Cloudflare.Env, config: AlarmConfig, automation: Automation) {
    this.#store = store;
    this.#env = env;
    this.#config = config;
    this.#automation = automation;
  }

  /**
   * A notification that will never be delivered (the queue refused it, or the consumer gave
   * up on it): marked dead-lettered in the delivery log and counted, and its endpoint's
   * `notifications-failing` raised (or updated).
   */
  async deadLettered(lost: DeadLetter, now: number): Promise<void> {
    this.#store.log.update(lost.id, {
      attempts: lost.attempts,
      status: "dead-lettered",
      ...(lost.code === null ? {} : { code: lost.code }),
      at: now,
    });
    this.#store.log.increment("dead-lettered");
    await this.raise(
      {
        name: "notifications-failing",
        source: lost.endpoint,
        description: `notifications to ${lost.endpoint} are failing: ${lost.why}`,
      },
      now,
    );
  }

  /** Raises `{name, source}` with the catalog's defaults, or updates it when active. */
  async raise(input: RaiseInput, now: number): Promise<Alarm> {
    const id = alarmId(input.name, input.source);
    const known = isAlarmName(input.name) ? definitionOf(input.name) : null;
    const alarm = {
      id,
      name: input.name,
      source: input.source,
      severity: input.severity ?? known?.severity ?? "major",
      description:
        input.description ?? known?.description(input.source) ?? `${input.name} on ${input.source}`,
      probableCause: input.probableCause ?? known?.probableCause ?? "reported by another component",
      repairAction: input.repairAction ?? known?.repairAction ?? "see the runbook",
    };
    const existing = this.#store.alarm(id);
    const ack = existing?.acknowledged
      ? {
          by: existing.acknowledged.by,
          at: Date.parse(existing.acknowledged.at),
          note: existing.acknowledged.note ?? null,
        }
      : null;
    this.#store.saveAlarm(alarm, existing ? Date.parse(existing.raisedAt) : now, now, ack);
    const saved = this.#store.alarm(id) as Alarm;
    if (!existing) await this.#transition("raised", saved, now, null);
    else if (existing.severity !== saved.severity || existing.description !== saved.description) {
      await this.#transition("updated", saved, now, null);
    }
    return saved;
  }

  /** Clears alarm `id`; `null` and no change when it is not active. */
  async clear(id: string, now: number, detail: string | null): Promise<Alarm | null> {
    const alarm = this.#store.alarm(id);
    if (!alarm) return null;
    this.#store.deleteAlarm(id);
    await this.#transition("cleared", alarm, now, detail);
    return alarm;
  }

  /** History, log line, notification and automation for one transition. */
  async #transition(
    event: AlarmEventKind,
    alarm: Alarm,
    now: number,
    detail: string | null,
  ): Promise<void> {
    this.#store.append(now, alarm, event, detail);
    const level = event === "raised" && alarm.severity !== "warning" ? "warn" : "info";
    logEvent(level, `alarm-${event}`, {
      alarmId: alarm.id,
      name: alarm.name,
      source: alarm.source,
      severity: alarm.severity,
      ...(detail ? { detail } : {}),
    });
    if (event === "raised" || event === "cleared" || event === "acknowledged") {
      const lost = await enqueueNotification(this.#env, this.#store, event, alarm, now);
      // Raised once: its own notification failing again is an update, which notifies nobody.
      if (lost) await this.deadLettered(lost, now);
    }
    const action =
      event === "raised"
        ? this.#automation.onRaised(alarm, now)
        : event === "cleared"
          ? this.#automation.onCleared(alarm)
          : null;
    if (action !== null) this.action(alarm, action, now);
  }

  /** Records what automation did about `alarm`. */
  action(alarm: Alarm, detail: string, now: number): void {
    this.#store.append(now, alarm, "action", detail);
    logEvent("info", "alarm-action", {
      alarmId: alarm.id,
      name: alarm.name,
      source: alarm.source,
      detail,
    });
  }

  /** One sample of a threshold alarm's condition at `now`, through hysteresis. */
  async sample(
    name: ThresholdAlarm,
    source: string,
    breaching: boolean,
    now: number,
  ): Promise<void> {
    const id = alarmId(name, source);
    const windows: ThresholdWindows =
      name === "overload" ? this.#config.overload : this.#config.backlog;
    // Samples arrive from several callers (timer, consumers, cron); one older than the last
    // is stale news and must not reset a window that a newer sample started.
    const previous = this.#store.threshold(id);
    if (previous && now < previous.sampledAt) return;
    const step = observe(previous ?? IDLE, breaching, now, windows);
    this.#store.saveThreshold(id, name, source, step.state, now);
    if (step.transition === "raise") await this.raise({ name, source }, now);
    if (step.transition === "clear") await this.clear(id, now, null);
  }

  /** The acknowledgement of an active alarm (kept across updates); `null` if not active. */
  async acknowledge(
    id: string,
    by: string,
    note: string | undefined,
    now: number,
  ): Promise<Alarm | null> {
    const alarm = this.#store.alarm(id);
    if (!alarm) return null;
    const ack = { by, at: now, note: note ?? null };
    this.#store.saveAlarm(alarm, Date.parse(alarm.raisedAt), Date.parse(alarm.updatedAt), ack);
    const acked = this.#store.alarm(id) as Alarm;
    await this.#transition("acknowledged", acked, now, note ?? null);
    return acked;
  }
}
