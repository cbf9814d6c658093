/** Alarm severities, most urgent first (the order `GET /v1/ops/alarms` sorts by). */
export const SEVERITIES = ["critical", "major", "minor", "warning"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Who acknowledged an alarm, when (ISO-8601), and what they noted. */
export interface Acknowledgement {
  readonly by: string;
  readonly at: string;
  readonly note?: string;
}

/** An active alarm as the contract shows it: a state identified by `{name, source}`. */
export interface Alarm {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly severity: Severity;
  readonly description: string;
  readonly probableCause: string;
  readonly repairAction: string;
  readonly raisedAt: string;
  readonly updatedAt: string;
  readonly acknowledged: Acknowledgement | null;
}

/** What happened to an alarm; `action` records what automation did about it. */
export type AlarmEventKind = "raised" | "updated" | "acknowledged" | "cleared" | "action";

/** One entry of the append-only alarm history. */
export interface AlarmEvent {
  readonly seq: number;
  readonly at: string;
  readonly alarmId: string;
  readonly name: string;
  readonly source: string;
  readonly severity: Severity;
  readonly event: AlarmEventKind;
  /** Present on `action` events (what automation did) and on operator clears/acks. */
  readonly detail?: string;
}

/** Active alarms per severity, split by whether someone acknowledged them. */
export type AlarmSummary = Record<Severity, { new: number; acknowledged: number }>;

export const isSeverity = (value: string): value is Severity =>
  (SEVERITIES as readonly string[]).includes(value);

/** Sorts alarms most severe first, then oldest first (stable for equal severities). */
export function bySeverity(a: Alarm, b: Alarm): number {
  const rank = SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity);
  return rank !== 0 ? rank : a.raisedAt.localeCompare(b.raisedAt);
}

/** The per-severity summary of a set of active alarms (every severity present, zeros too). */
export function summarize(alarms: readonly Alarm[]): AlarmSummary {
  const summary = Object.fromEntries(
    SEVERITIES.map((s) => [s, { new: 0, acknowledged: 0 }]),
  ) as AlarmSummary;
  for (const alarm of alarms) {
    if (alarm.acknowledged) summary[alarm.severity].acknowledged += 1;
    else summary[alarm.severity].new += 1;
  }
  return summary;
}
