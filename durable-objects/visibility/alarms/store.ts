import {
  type Alarm,
  type AlarmEvent,
  type AlarmEventKind,
  IDLE,
  type Severity,
  type ThresholdState,
} from "../../../core/alarms";
import type { AutomationMode } from "./automation";
import { DeliveryLog } from "./delivery-log";

/**
 * How many history events are kept: the newest 10,000; older ones are deleted as new ones
 * are appended (sequence numbers keep counting, so paging by `before` stays valid).
 */
export const HISTORY_RETENTION = 10_000;
/** A threshold alarm's stored hysteresis plus its last sample. */
export interface ThresholdRow extends ThresholdState {
  readonly name: string;
  readonly source: string;
  readonly sampledAt: number;
}

type Row = Record<string, SqlStorageValue>;
const iso = (ms: number) => new Date(ms).toISOString();

function alarmOf(r: Row): Alarm {
  return {
    id: String(r.id),
    name: String(r.name),
    source: String(r.source),
    severity: r.severity as Severity,
    description: String(r.description),
    probableCause: String(r.probable_cause),
    repairAction: String(r.repair_action),
    raisedAt: iso(Number(r.raised_at)),
    updatedAt: iso(Number(r.updated_at)),
    acknowledged:
      r.ack_by === null
        ? null
        : {
            by: String(r.ack_by),
            at: iso(Number(r.ack_at)),
            ...(r.ack_note === null ? {} : { note: String(r.ack_note) }),
          },
  };
}

function eventOf(r: Row): AlarmEvent {
  return {
    seq: Number(r.seq),
    at: iso(Number(r.at)),
    alarmId: String(r.alarm_id),
    name: String(r.name),
    source: String(r.source),
    severity: r.severity as Severity,
    event: r.event as AlarmEventKind,
    ...(r.detail === null ? {} : { detail: String(r.detail) }),
  };
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS alarms (id TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL,
    severity TEXT NOT NULL, description TEXT NOT NULL, probable_cause TEXT NOT NULL,
    repair_action TEXT NOT NULL, raised_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
    ack_by TEXT, ack_at INTEGER, ack_note TEXT)`,
  `CREATE TABLE IF NOT EXISTS alarm_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,
    alarm_id TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL, severity TEXT NOT NULL,
    event TEXT NOT NULL, detail TEXT)`,
  `CREATE TABLE IF NOT EXISTS alarm_thresholds (id TEXT PRIMARY KEY, name TEXT NOT NULL,
    source TEXT NOT NULL, active INTEGER NOT NULL, since INTEGER, sampled_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alarm_deliveries (id TEXT PRIMARY KEY, type TEXT NOT NULL,
    alarm_id TEXT NOT NULL, attempts INTEGER NOT NULL, status TEXT NOT NULL,
    last_status_code INTEGER, last_attempt_at INTEGER, created_at INTEGER NOT NULL,
    next_attempt_at INTEGER)`,
  `CREATE TABLE IF NOT EXISTS alarm_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alarm_due_actions (alarm_id TEXT PRIMARY KEY, due_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alarm_action_log (alarm_id TEXT NOT NULL, at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS alarm_modes (alarm_id TEXT PRIMARY KEY, mode TEXT NOT NULL)`,
];

/** The alarm manager's SQLite tables: active alarms, history, thresholds, deliveries, automation. */
export class AlarmStore {
  readonly #sql: SqlStorage;

  /** The notification delivery log and its outcome counters (same database). */
  readonly log: DeliveryLog;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
    this.log = new DeliveryLog(sql);
  }

  #rows(query: string, ...args: SqlStorageValue[]): Row[] {
    return this.#sql.exec<Row>(query, ...args).toArray();
  }

  alarm(id: string): Alarm | null {
    const row = this.#rows("SELECT * FROM alarms WHERE id = ?", id)[0];
    return row ? alarmOf(row) : null;
  }

  active(): Alarm[] {
    return this.#rows("SELECT * FROM alarms").map(alarmOf);
  }

  /** Inserts or replaces alarm `a`; times in ms since the epoch. */
  saveAlarm(
    a: Omit<Alarm, "raisedAt" | "updatedAt" | "acknowledged">,
    raisedAt: number,
    updatedAt: number,
    ack: { by: string; at: number; note: string | null } | null,
  ): void {
    this.#sql.exec(
      `INSERT OR REPLACE INTO alarms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      a.id,
      a.name,
      a.source,
      a.severity,
      a.description,
      a.probableCause,
      a.repairAction,
      raisedAt,
      updatedAt,
      ack?.by ?? null,
      ack?.at ?? null,
      ack?.note ?? null,
    );
  }

  deleteAlarm(id: string): void {
    this.#sql.exec("DELETE FROM alarms WHERE id = ?", id);
  }

  /** Appends one history event and prunes past `HISTORY_RETENTION`; answers its `seq`. */
  append(
    at: number,
    a: Pick<Alarm, "id" | "name" | "source" | "severity">,
    event: AlarmEventKind,
    detail: string | null = null,
  ): number {
    const row = this.#rows(
      `INSERT INTO alarm_events (at, alarm_id, name, source, severity, event, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
      at,
      a.id,
      a.name,
      a.source,
      a.severity,
      event,
      detail,
    )[0];
    const seq = Number(row?.seq);
    this.#sql.exec("DELETE FROM alarm_events WHERE seq <= ?", seq - HISTORY_RETENTION);
    return seq;
  }

  /** History newest first, at most `limit`, only events with `seq < before` when given. */
  history(limit: number, before?: number): AlarmEvent[] {
    return this.#rows(
      "SELECT * FROM alarm_events WHERE seq < ? ORDER BY seq DESC LIMIT ?",
      before ?? Number.MAX_SAFE_INTEGER,
      limit,
    ).map(eventOf);
  }

  threshold(id: string): ThresholdRow | null {
    const r = this.#rows("SELECT * FROM alarm_thresholds WHERE id = ?", id)[0];
    if (!r) return null;
    return {
      name: String(r.name),
      source: String(r.source),
      active: r.active === 1,
      since: r.since === null ? null : Number(r.since),
      sampledAt: Number(r.sampled_at),
    };
  }

  /** Thresholds that are active or pending (idle ones are deleted). */
  thresholds(): (ThresholdRow & { id: string })[] {
    return this.#rows("SELECT id FROM alarm_thresholds").flatMap((r) => {
      const t = this.threshold(String(r.id));
      return t ? [{ ...t, id: String(r.id) }] : [];
    });
  }

  saveThreshold(
    id: string,
    name: string,
    source: string,
    state: ThresholdState,
    sampledAt: number,
  ): void {
    if (!state.active && state.since === null) {
      this.#sql.exec("DELETE FROM alarm_thresholds WHERE id = ?", id);
      return;
    }
    this.#sql.exec(
      "INSERT OR REPLACE INTO alarm_thresholds VALUES (?, ?, ?, ?, ?, ?)",
      id,
      name,
      source,
      state.active ? 1 : 0,
      state.since,
      sampledAt,
    );
  }

  thresholdState(id: string): ThresholdState {
    return this.threshold(id) ?? IDLE;
  }

  dueActions(): { alarmId: string; dueAt: number }[] {
    return this.#rows("SELECT * FROM alarm_due_actions ORDER BY due_at").map((r) => ({
      alarmId: String(r.alarm_id),
      dueAt: Number(r.due_at),
    }));
  }

  scheduleAction(alarmId: string, dueAt: number | null): void {
    if (dueAt === null) this.#sql.exec("DELETE FROM alarm_due_actions WHERE alarm_id = ?", alarmId);
    else this.#sql.exec("INSERT OR REPLACE INTO alarm_due_actions VALUES (?, ?)", alarmId, dueAt);
  }

  actionTimes(alarmId: string): number[] {
    return this.#rows("SELECT at FROM alarm_action_log WHERE alarm_id = ?", alarmId).map((r) =>
      Number(r.at),
    );
  }

  /** Replaces the action log of `alarmId` with the times the rate limit still counts. */
  setActionTimes(alarmId: string, times: readonly number[]): void {
    this.#sql.exec("DELETE FROM alarm_action_log WHERE alarm_id = ?", alarmId);
    for (const at of times)
      this.#sql.exec("INSERT INTO alarm_action_log VALUES (?, ?)", alarmId, at);
  }

  /** The automation mode engaged for an alarm, if any. */
  mode(alarmId: string): AutomationMode | null {
    const row = this.#rows("SELECT mode FROM alarm_modes WHERE alarm_id = ?", alarmId)[0];
    return row ? (row.mode as AutomationMode) : null;
  }

  setMode(alarmId: string, mode: AutomationMode | null): void {
    if (mode === null) this.#sql.exec("DELETE FROM alarm_modes WHERE alarm_id = ?", alarmId);
    else this.#sql.exec("INSERT OR REPLACE INTO alarm_modes VALUES (?, ?)", alarmId, mode);
  }

  /** Every engaged mode with the source of its alarm. */
  modes(): { mode: AutomationMode; source: string }[] {
    return this.#rows(
      "SELECT m.mode, a.source FROM alarm_modes m JOIN alarms a ON a.id = m.alarm_id",
    ).map((r) => ({ mode: r.mode as AutomationMode, source: String(r.source) }));
  }
}
