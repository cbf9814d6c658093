import { DurableObject } from "cloudflare:workers";
import {
  type Alarm,
  alarmId,
  bySeverity,
  definitionOf,
  isAlarmName,
  SEVERITIES,
  type Severity,
  summarize,
} from "../../../core/alarms";
import { logEvent } from "../../../core/log";
import { AlarmBook, type ThresholdAlarm } from "./alarm-book";
import { Automation } from "./automation";
import { type AlarmConfig, alarmConfig, endpointOf, notifyConfig, quietClearOf } from "./config";
import type {
  AlarmCounts,
  AlarmsView,
  AttemptReport,
  AutomationState,
  ManualClear,
  NotificationsView,
  RaiseInput,
} from "./protocol";
import { clearRetiredEndpoints, followRoot } from "./reconcile";
import { type LoadSignal, pollLoadSignals, recoverService } from "./signals";
import { AlarmStore, type ThresholdRow } from "./store";

/** History page size of `list` (the contract's maximum). */
export const HISTORY_PAGE = 100;

/**
 * The alarm manager, modelled on SASL's `alarm_handler` and elarm: one object (binding
 * `ALARMS`, name `alarms`) that holds every active alarm, identified by `{name, source}`.
 * Raising an active alarm updates it; clearing an inactive one does nothing; every
 * transition is appended to a bounded history, logged, notified (when a webhook is set) and
 * handed to automation. Threshold alarms go through hysteresis. Everything lives in SQLite.
 */
export class AlarmManager extends DurableObject<Cloudflare.Env> {
  readonly #store: AlarmStore;
  readonly #config: AlarmConfig;
  readonly #automation: Automation;
  readonly #book: AlarmBook;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#store = new AlarmStore(ctx.storage.sql);
    this.#config = alarmConfig(env);
    this.#automation = new Automation(this.#store, this.#config);
    this.#book = new AlarmBook(this.#store, env, this.#config, this.#automation);
  }

  /** Raises `{name, source}`, or updates it (severity, texts) when it is already active. */
  async raise(input: RaiseInput, now = Date.now()): Promise<Alarm> {
    const alarm = await this.#book.raise(input, now);
    await this.#arm(now);
    return alarm;
  }

  /** Clears `{name, source}`; `null` (and no change) when it is not active. */
  async clear(name: string, source: string, now = Date.now()): Promise<Alarm | null> {
    const cleared = await this.#book.clear(alarmId(name, source), now, null);
    await this.#arm(now);
    return cleared;
  }

  /** Acknowledges active alarm `id` (`by` who, an optional note ≤ 500); `null` if not active. */
  async acknowledge(
    id: string,
    by: string,
    note?: string,
    now = Date.now(),
  ): Promise<Alarm | null> {
    return this.#book.acknowledge(id, by, note, now);
  }

  /** An operator's clear: allowed for event alarms (`dead-letters`, `partition-gave-up`), refused for condition alarms. */
  async clearById(id: string, by: string, now = Date.now()): Promise<ManualClear> {
    const alarm = this.#store.alarm(id);
    if (!alarm) return { ok: false, code: "not-found", detail: `no active alarm ${id}` };
    if (isAlarmName(alarm.name) && definitionOf(alarm.name).kind === "condition") {
      return {
        ok: false,
        code: "manual-clear-not-allowed",
        detail: `${alarm.name} follows a live condition and clears when it ends`,
      };
    }
    const cleared = (await this.#book.clear(id, now, `cleared by ${by}`)) as Alarm;
    await this.#arm(now);
    return { ok: true, alarm: cleared };
  }

  /** Active alarms (most severe first), history newest first (`seq < before`), summary. */
  async list(before?: number): Promise<AlarmsView> {
    const active = this.#store.active().sort(bySeverity);
    return {
      active,
      history: this.#store.history(HISTORY_PAGE, before),
      summary: summarize(active),
    };
  }

  /** Active alarms per severity and notification outcomes so far (for `/metrics`). */
  async counts(): Promise<AlarmCounts> {
    const active = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const alarm of this.#store.active()) active[alarm.severity] += 1;
    const notifications = {
      delivered: this.#store.log.count("delivered"),
      retried: this.#store.log.count("retried"),
      "dead-lettered": this.#store.log.count("dead-lettered"),
    };
    return { active, notifications };
  }

  /** The delivery log (at most 100, newest first) and the endpoint's configuration state. */
  async notifications(): Promise<NotificationsView> {
    const config = notifyConfig(this.env);
    return {
      endpoint: { state: config.state, error: config.state === "invalid" ? config.error : null },
      deliveries: this.#store.log.recent(),
    };
  }

  /** What automation asks of the edge (`queueOrders`) and consumers (`slowIntake`). */
  async automation(): Promise<AutomationState> {
    return this.#automation.state();
  }

  /**
   * One sample of a threshold alarm's condition at `now`: raised after it held for the raise
   * window, cleared after it stayed clear for the clear window. Answers the active alarm.
   */
  async observe(
    name: ThresholdAlarm,
    source: string,
    breaching: boolean,
    now = Date.now(),
  ): Promise<Alarm | null> {
    await this.#book.sample(name, source, breaching, now);
    await this.#arm(now);
    return this.#store.alarm(alarmId(name, source));
  }

  /** The orders consumer's one call per batch: the oldest message's age. Answers whether to slow intake. */
  async reportQueueAge(
    queue: string,
    oldestAgeMs: number,
    now = Date.now(),
  ): Promise<{ slow: boolean }> {
    await this.observe("queue-backlog", queue, oldestAgeMs > this.#config.backlogAgeMs, now);
    return { slow: this.#automation.state().slowIntake.includes(queue) };
  }

  /** `count` messages reached dead-letter queue `queue`: raises (or refreshes) `dead-letters`. */
  async deadLettered(queue: string, count: number, now = Date.now()): Promise<Alarm> {
    return this.raise(
      {
        name: "dead-letters",
        source: queue,
        description: `${count} message(s) reached ${queue} in the last batch`,
      },
      now,
    );
  }

  /** The notification consumer's report of one attempt. */
  async recordAttempt(report: AttemptReport, now = Date.now()): Promise<void> {
    const endpoint = endpointOf(report.url);
    const fields = {
      id: report.id,
      attempts: report.attempts,
      statusCode: report.statusCode,
      endpoint,
    };
    if (report.outcome === "delivered") {
      this.#store.log.update(report.id, {
        attempts: report.attempts,
        status: "delivered",
        code: report.statusCode,
        at: now,
      });
      this.#store.log.increment("delivered");
      logEvent("info", "notification-delivered", fields);
      await this.#book.clear(alarmId("notifications-failing", endpoint), now, null);
    } else if (report.outcome === "retried") {
      this.#store.log.update(report.id, {
        attempts: report.attempts,
        status: "pending",
        code: report.statusCode,
        at: now,
        nextAt: now + (report.retryInMs ?? 0),
      });
      this.#store.log.increment("retried");
      logEvent("warn", "notification-retried", fields);
    } else {
      await this.#failed(
        report.id,
        endpoint,
        report.attempts,
        410,
        now,
        "the receiver answered 410 Gone",
      );
    }
    await this.#arm(now);
  }

  /** The notification DLQ consumer: delivery `id` exhausted its attempts. */
  async recordDeadLetter(id: string, url: string, now = Date.now()): Promise<void> {
    const attempts = this.#store.log.get(id)?.attempts ?? 0;
    await this.#failed(id, endpointOf(url), attempts, null, now, `${attempts} attempts failed`);
    await this.#arm(now);
  }

  /**
   * The cron's backstop (every minute): follows the root supervisor (raises `service-down`
   * for services it marks down, clears both supervision alarms of services it reports up, so
   * a lost report heals), clears `notifications-failing` of endpoints no longer configured,
   * then does everything the timer does (`alarm()`): polls the metrics monitor's load
   * signals (so an overload window can start even while the timer sleeps), re-samples
   * thresholds, clears quiet event alarms (`dead-letters`, `partition-gave-up`), runs due
   * recoveries.
   */
  async evaluate(now = Date.now()): Promise<void> {
    await followRoot(this.env, this.#store, this.#book, now);
    await clearRetiredEndpoints(this.env, this.#store, this.#book, now);
    await this.#tick(now);
  }

  override async alarm(): Promise<void> {
    await this.#tick(Date.now());
  }

  async #failed(
    id: string,
    endpoint: string,
    attempts: number,
    code: number | null,
    now: number,
    why: string,
  ): Promise<void> {
    logEvent("error", "notification-dead-lettered", {
      id,
      attempts,
      statusCode: code,
      endpoint,
      reason: why,
    });
    await this.#book.deadLettered({ id, attempts, code, endpoint, why }, now);
  }

  /** The timer: load signals, stale thresholds, quiet event alarms, due recoveries; then re-arm. */
  async #tick(now: number): Promise<void> {
    const signals = await this.#loadSignals(now);
    for (const s of signals ?? [])
      await this.#book.sample("overload", s.service, s.refusals > 0, now);
    for (const t of this.#store.thresholds()) {
      // A failed poll says nothing about overload: keep its state rather than clear it.
      if (t.name === "overload" && signals === null) continue;
      if (this.#silentLongEnough(t, now))
        await this.#book.sample(t.name as ThresholdAlarm, t.source, false, now);
    }
    for (const alarm of this.#store.active()) {
      const quiet = quietClearOf(this.#config, alarm.name);
      if (quiet && Date.parse(alarm.updatedAt) + quiet.ms <= now)
        await this.#book.clear(alarm.id, now, `no ${quiet.absent} for ${quiet.ms} ms`);
    }
    for (const due of this.#store.dueActions().filter((d) => d.dueAt <= now))
      await this.#recover(due.alarmId, now);
    await this.#arm(now);
  }

  /** The monitor's load signals; `null` when the poll failed (logged), unlike "no signals". */
  async #loadSignals(now: number): Promise<LoadSignal[] | null> {
    try {
      return await pollLoadSignals(this.env, now);
    } catch (error) {
      logEvent("warn", "load-signals-unavailable", { error: (error as Error).message });
      return null;
    }
  }

  /**
   * Whether a threshold nobody reported on counts as clear now. Overload after a tick (the
   * poll samples it every tick). `queue-backlog` only after the orders consumer's longest
   * retry delay: until then its messages may be waiting out a retry, not gone. A clear
   * window already under way goes on at every tick.
   */
  #silentLongEnough(t: ThresholdRow, now: number): boolean {
    const quiet = now - t.sampledAt;
    if (quiet < this.#config.tickMs) return false;
    if (t.name !== "queue-backlog" || (t.active && t.since !== null)) return true;
    return quiet >= this.#config.backlogSilenceMs;
  }

  /** Automation: restarts the service of a due `service-down` alarm through the root supervisor. */
  async #recover(id: string, now: number): Promise<void> {
    const alarm = this.#store.alarm(id);
    if (!alarm) return this.#store.scheduleAction(id, null);
    const limit = this.#automation.mayRecover(id, now);
    if (!limit.allowed) {
      return this.#book.action(
        alarm,
        `restart of ${alarm.source} rate-limited until ${new Date(limit.nextAt).toISOString()}`,
        now,
      );
    }
    this.#store.scheduleAction(
      id,
      now + Math.max(this.#config.downRecoveryMs, this.#config.tickMs),
    );
    const outcome = await recoverService(this.env, alarm.source);
    this.#book.action(
      alarm,
      outcome.ok
        ? `restarted ${alarm.source}`
        : `restart of ${alarm.source} failed: ${outcome.error}`,
      now,
    );
    if (outcome.ok) {
      await this.#book.clear(alarmId("restart-intensity-exceeded", alarm.source), now, null);
      await this.#book.clear(id, now, null);
    }
  }

  /** Points the object's alarm at the next thing due; polls while signals or thresholds need it. */
  async #arm(now: number): Promise<void> {
    const times = this.#store.dueActions().map((d) => d.dueAt);
    for (const alarm of this.#store.active()) {
      const quiet = quietClearOf(this.#config, alarm.name);
      if (quiet) times.push(Date.parse(alarm.updatedAt) + quiet.ms);
    }
    // Ticks run only while a threshold is pending or active: an idle manager sleeps, and the
    // minute cron (`evaluate`) polls the load signals that may start an overload window.
    if (this.#store.thresholds().length > 0) times.push(now + this.#config.tickMs);
    const next = times.length > 0 ? Math.max(Math.min(...times), Date.now()) : null;
    const current = await this.ctx.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current === null || current > next) {
      await this.ctx.storage.setAlarm(next);
    }
  }
}
