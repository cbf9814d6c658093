import { type FamilySpec, LATENCY_BUCKETS_SECONDS, type Labels } from "../../../core/metrics";
import { SERVICES } from "../../config";
import { NOTIFICATIONS_QUEUE } from "../alarms/protocol";

/** Why work was shed, as `bulwark_shed_total{reason}` names it. */
export const SHED_REASONS = [
  "overloaded",
  "deadline-exceeded",
  "circuit-open",
  "rate-limited",
  "service-unavailable",
  "queued",
] as const;
export type ShedReason = (typeof SHED_REASONS)[number];

export const isShedReason = (code: string): code is ShedReason =>
  (SHED_REASONS as readonly string[]).includes(code);

/** The queue whose messages `bulwark_queue_messages_total{queue}` counts. */
export const ORDERS_QUEUE_NAME = "bulwark-orders";

const each = <T extends string>(name: string, values: readonly T[]): Labels[] =>
  values.map((value) => ({ [name]: value }));
const perService = each("service", SERVICES);

/**
 * Every family Bulwark exports, in exposition order. Families whose label values are known
 * in advance are seeded at 0, so a rate is defined from the first scrape on.
 */
export const FAMILIES = {
  httpRequests: {
    name: "bulwark_http_requests_total",
    type: "counter",
    help: "HTTP requests answered by the edge, by route pattern, method and status code.",
    labels: ["route", "method", "status"],
  },
  httpDuration: {
    name: "bulwark_http_request_duration_seconds",
    type: "histogram",
    help: "Time from a request's arrival at the edge to its answer, by route pattern.",
    labels: ["route"],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  actorMessages: {
    name: "bulwark_actor_messages_total",
    type: "counter",
    help: "Commands processed by actors, by service, command and outcome (ok or the failure code).",
    labels: ["service", "command", "outcome"],
  },
  actorDuration: {
    name: "bulwark_actor_message_duration_seconds",
    type: "histogram",
    help: "Time an actor took to process a command, admission wait included, by service.",
    labels: ["service"],
    buckets: LATENCY_BUCKETS_SECONDS,
  },
  restarts: {
    name: "bulwark_actor_restarts_total",
    type: "counter",
    help: "Crashes the service's supervisors answered with a restart (one per handled crash): of a shard, an entity, or an entity partition.",
    labels: ["service"],
    seed: perService,
  },
  escalations: {
    name: "bulwark_supervisor_escalations_total",
    type: "counter",
    help: "Times one of the service's supervisors exceeded its restart intensity and gave up: the service's own (escalating to the root) or an entity partition (restarted by the service's).",
    labels: ["service"],
    seed: perService,
  },
  serviceUp: {
    name: "bulwark_service_up",
    type: "gauge",
    help: "1 while the root supervisor has the service up, 0 while it is marked down.",
    labels: ["service"],
  },
  inFlight: {
    name: "bulwark_admission_in_flight",
    type: "gauge",
    help: "Commands holding an admission slot, summed over the service's shards that reported recently.",
    labels: ["service"],
    seed: perService,
  },
  queued: {
    name: "bulwark_admission_queued",
    type: "gauge",
    help: "Commands waiting for admission, summed over the service's shards that reported recently.",
    labels: ["service"],
    seed: perService,
  },
  shed: {
    name: "bulwark_shed_total",
    type: "counter",
    help: "Work refused or diverted to the queue, counted where the decision was made, by service and reason.",
    labels: ["service", "reason"],
    seed: SERVICES.flatMap((service) => SHED_REASONS.map((reason) => ({ service, reason }))),
  },
  queueMessages: {
    name: "bulwark_queue_messages_total",
    type: "counter",
    help: "Queue messages handled by the consumers, by queue and outcome.",
    labels: ["queue", "outcome"],
    seed: [ORDERS_QUEUE_NAME, NOTIFICATIONS_QUEUE].flatMap((queue) =>
      each("outcome", ["acked", "retried", "dead-lettered"]).map((l) => ({ queue, ...l })),
    ),
  },
  alarmsActive: {
    name: "bulwark_alarms_active",
    type: "gauge",
    help: "Active alarms by severity (from the alarm manager).",
    labels: ["severity"],
  },
  notifications: {
    name: "bulwark_notifications_total",
    type: "counter",
    help: "Alarm notifications by delivery outcome (from the alarm manager).",
    labels: ["outcome"],
  },
  orders: {
    name: "bulwark_orders_total",
    type: "counter",
    help: "Orders that entered a status: queued at intake, confirmed or rejected when final.",
    labels: ["status"],
    seed: each("status", ["confirmed", "rejected", "queued"]),
  },
  holds: {
    name: "bulwark_holds_total",
    type: "counter",
    help: "Inventory holds by what happened to them: placed, confirmed, released, expired, reversed (confirmed, then given back by an order's compensation).",
    labels: ["outcome"],
    seed: each("outcome", ["placed", "confirmed", "released", "expired", "reversed"]),
  },
  unitsSold: {
    name: "bulwark_units_sold_total",
    type: "counter",
    help: "Units sold: the quantities of confirmed holds.",
    labels: [],
    seed: [{}],
  },
  unitsReturned: {
    name: "bulwark_units_returned_total",
    type: "counter",
    help: "Units given back after they were sold (reversed holds); units sold net = sold - returned.",
    labels: [],
    seed: [{}],
  },
  scrapeSourceSuccess: {
    name: "bulwark_scrape_source_success",
    type: "gauge",
    help: "1 when the source answered this scrape, 0 when it did not: its families are then present without samples.",
    labels: ["source"],
  },
} as const satisfies Record<string, FamilySpec>;

export type FamilyId = keyof typeof FAMILIES;

/**
 * Families made at scrape time: read from the root supervisor and the alarm manager, or by
 * the scrape itself (how its sources answered).
 */
const SCRAPED_ELSEWHERE = new Set<string>([
  FAMILIES.serviceUp.name,
  FAMILIES.alarmsActive.name,
  FAMILIES.notifications.name,
  FAMILIES.scrapeSourceSuccess.name,
]);

/** Families the monitor aggregates. */
export const MONITORED: readonly FamilySpec[] = Object.values(FAMILIES).filter(
  (spec) => !SCRAPED_ELSEWHERE.has(spec.name),
);

/** Exposition order: the catalog's. */
export const FAMILY_ORDER: readonly string[] = Object.values(FAMILIES).map((spec) => spec.name);

/** Monitored families by name: what reporters may send (`Actor.count` included). */
export const familyByName = new Map<string, FamilySpec>(MONITORED.map((spec) => [spec.name, spec]));
