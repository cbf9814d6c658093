import type { Severity } from "./types";

/**
 * How an alarm ends. `condition` alarms follow a live condition and clear only when it
 * ends (an operator clearing them is refused: they would come straight back); `event`
 * alarms record that something happened and clear after a quiet window or by an operator.
 */
export type AlarmKind = "condition" | "event";

/** What the system knows about one alarm name: its defaults and how it ends. */
export interface AlarmDefinition {
  readonly severity: Severity;
  readonly kind: AlarmKind;
  readonly description: (source: string) => string;
  readonly probableCause: string;
  readonly repairAction: string;
}

/** Every alarm of the contract, with the texts operators read in the alarm list. */
export const ALARMS = {
  "stock-depleted": {
    severity: "warning",
    kind: "condition",
    description: (sku) => `SKU ${sku} has no units available (stock above zero)`,
    probableCause: "every unit is sold or held",
    repairAction: "restock the SKU (PUT /v1/skus/{sku}) or wait for holds to expire",
  },
  "restart-intensity-exceeded": {
    severity: "major",
    kind: "condition",
    description: (service) => `the ${service} supervisor reached its maximum restart intensity`,
    probableCause: "its shards crashed more often than the intensity allows within the period",
    repairAction: "find the crash in the logs (actor-crashed), fix it, then restart the service",
  },
  "service-down": {
    severity: "critical",
    kind: "condition",
    description: (service) => `service ${service} is down: its commands fail fast`,
    probableCause: "the root supervisor marked it down after its supervisor gave up",
    repairAction: "POST /v1/ops/supervision/{service}/restart once the cause is fixed",
  },
  // An event: a partition that gave up is restarted at once by its service's supervisor, so
  // no live condition is left to follow. Raised (or refreshed) by each give-up, it clears
  // after PARTITION_GAVE_UP_CLEAR_MS without one, or by an operator. Minor: the service
  // answers (its other entities unaffected), but a crash loop in one partition is the step
  // before `restart-intensity-exceeded` and `service-down`.
  "partition-gave-up": {
    severity: "minor",
    kind: "event",
    description: (partition) =>
      `entity partition ${partition} gave up: its entities crashed past its restart intensity`,
    probableCause: "an entity crashes on its messages (a bug, or a bad stored state)",
    repairAction:
      "find the offender's crash in the logs (actor-crashed, supervisor-escalated) and fix it; this clears after a quiet window or by an operator",
  },
  overload: {
    severity: "minor",
    kind: "condition",
    description: (service) => `the ${service} shards refused work for load for a sustained window`,
    probableCause: "demand above the shards' admission capacity",
    repairAction: "add shards or capacity, or let the queue absorb the peak",
  },
  "queue-backlog": {
    severity: "minor",
    kind: "condition",
    description: (queue) => `the oldest message on ${queue} waited longer than its threshold`,
    probableCause: "the consumer drains slower than orders arrive, or shards refuse it",
    repairAction: "check shard load and consumer errors; the backlog drains once shards accept",
  },
  "dead-letters": {
    severity: "major",
    kind: "event",
    description: (queue) => `messages reached the dead-letter queue of ${queue}`,
    probableCause: "messages exhausted their retries",
    repairAction: "inspect the affected orders or notifications, then clear the alarm",
  },
  // An event: once NOTIFY_WEBHOOK_URL changes, no delivery to the old endpoint will ever
  // clear it, so an operator may (and the cron does for an endpoint no longer configured).
  "notifications-failing": {
    severity: "major",
    kind: "event",
    description: (endpoint) => `notifications to ${endpoint} are being dead-lettered`,
    probableCause: "the webhook receiver is down, refuses, or answered 410 Gone",
    repairAction:
      "fix the receiver or NOTIFY_WEBHOOK_URL; a later delivery clears this, as does changing the URL (within a minute) or an operator's clear",
  },
} as const satisfies Record<string, AlarmDefinition>;

export type AlarmName = keyof typeof ALARMS;

export const isAlarmName = (name: string): name is AlarmName => Object.hasOwn(ALARMS, name);

export const definitionOf = (name: AlarmName): AlarmDefinition => ALARMS[name];
