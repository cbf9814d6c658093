import type { Alarm, AlarmEvent, AlarmName, AlarmSummary, Severity } from "../../../core/alarms";
import type { Delivery } from "./delivery-log";

/** The well-known name of the one alarm manager object (binding `ALARMS`). */
export const ALARM_MANAGER = "alarms";

/** The queue that carries notifications, and its dead-letter queue (wrangler.toml). */
export const NOTIFICATIONS_QUEUE = "bulwark-notifications";
export const NOTIFICATIONS_DLQ = "bulwark-notifications-dlq";

/**
 * What raising an alarm takes: its identity, plus anything that overrides the catalog's
 * defaults (severity, texts). Unknown names are accepted too (other components may add
 * alarms, e.g. `admin-brute-force`): they need a `severity` and fall back to generic texts.
 */
export interface RaiseInput {
  readonly name: AlarmName | (string & {});
  readonly source: string;
  readonly severity?: Severity;
  readonly description?: string;
  readonly probableCause?: string;
  readonly repairAction?: string;
}

/** `GET /v1/ops/alarms`: active alarms most severe first, a page of history, the summary. */
export interface AlarmsView {
  readonly active: Alarm[];
  readonly history: AlarmEvent[];
  readonly summary: AlarmSummary;
}

/** What `/metrics` renders as `bulwark_alarms_active` and `bulwark_notifications_total`. */
export interface AlarmCounts {
  readonly active: Record<Severity, number>;
  readonly notifications: Record<"delivered" | "retried" | "dead-lettered", number>;
}

/** An operator's clear: the cleared alarm, or why not. */
export type ManualClear =
  | { readonly ok: true; readonly alarm: Alarm }
  | {
      readonly ok: false;
      readonly code: "not-found" | "manual-clear-not-allowed";
      readonly detail: string;
    };

/**
 * What automation currently asks of the edge and the consumers. `queueOrders`: services
 * under a sustained `overload` alarm (orders that allow `respond-async` go to the queue);
 * `slowIntake`: queues under a `queue-backlog` alarm.
 */
export interface AutomationState {
  readonly queueOrders: string[];
  readonly slowIntake: string[];
}

/** One notification on the queue: fixed at enqueue time, signed at each attempt. */
export interface NotificationMessage {
  readonly id: string;
  readonly url: string;
  readonly type: "alarm.raised" | "alarm.cleared" | "alarm.acknowledged";
  readonly alarmId: string;
  /** The exact JSON body, so every attempt signs and sends the same bytes. */
  readonly body: string;
}

/** One delivery attempt's result as the consumer reports it. */
export interface AttemptReport {
  readonly id: string;
  readonly attempts: number;
  readonly statusCode: number | null;
  readonly outcome: "delivered" | "retried" | "gone";
  readonly url: string;
  /** For `retried`: how long the queue waits before the next attempt. */
  readonly retryInMs?: number;
}

/** `GET /v1/ops/notifications`: the delivery log plus whether notifications are on. */
export interface NotificationsView {
  readonly endpoint: { readonly state: "off" | "on" | "invalid"; readonly error: string | null };
  readonly deliveries: Delivery[];
}

export const isNotificationMessage = (body: unknown): body is NotificationMessage => {
  const m = body as Partial<NotificationMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    typeof m.id === "string" &&
    typeof m.url === "string" &&
    typeof m.type === "string" &&
    typeof m.alarmId === "string" &&
    typeof m.body === "string"
  );
};
