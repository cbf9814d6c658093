import { type GroupBy, gaugeBy, increaseBy, rateBy } from "./increase";
import type { Scrape } from "./parse";
import { histogramQuantile } from "./quantile";

/**
 * One point of the dashboard's charts, from two successive scrapes of `/metrics`: rates from
 * counter increases, latency quantiles from histogram bucket increases (so they describe the
 * last interval, not all time), and gauges as they are now. Rates are per second.
 */
export interface ChartPoint {
  /** When the later scrape was taken (ms since the epoch). */
  readonly at: number;
  /** Client requests per second by status class (`2xx` … `5xx`); operator routes excluded. */
  readonly requests: Readonly<Record<string, number>>;
  /** p50 and p99 of client request latency in seconds; `null` when nothing was served. */
  readonly latency: { readonly p50: number | null; readonly p99: number | null };
  /** Refusals per second by reason (`overloaded`, `rate-limited`, `queued`, ...). */
  readonly shed: Readonly<Record<string, number>>;
  /** Commands waiting for admission, by service (gauge). */
  readonly queued: Readonly<Record<string, number>>;
  /** Commands in flight, by service (gauge). */
  readonly inFlight: Readonly<Record<string, number>>;
  /** Orders-queue messages per second by outcome (`acked`, `retried`, `dead-lettered`). */
  readonly queueMessages: Readonly<Record<string, number>>;
  /** Orders per second by final or queued status (`confirmed`, `rejected`, `queued`). */
  readonly orders: Readonly<Record<string, number>>;
}

/**
 * Routes an operator's tools call (scrapes, the dashboard and its live stream, operations):
 * left out of the request charts, which show what clients experience.
 */
export function isOperatorRoute(route: string): boolean {
  return (
    route === "/" ||
    route === "/metrics" ||
    route.startsWith("/dashboard") ||
    route.startsWith("/v1/ops/")
  );
}

const byLabel =
  (label: string): GroupBy =>
  (labels) =>
    labels[label] ?? null;

const clientRequests =
  (group: (labels: Readonly<Record<string, string>>) => string | null): GroupBy =>
  (labels) =>
    isOperatorRoute(labels.route ?? "") ? null : group(labels);

const statusClass = clientRequests((labels) => {
  const status = labels.status ?? "";
  return /^[1-5]\d\d$/.test(status) ? `${status[0]}xx` : null;
});

const record = (groups: Map<string, number>): Record<string, number> => Object.fromEntries(groups);

/** Latency quantiles of client requests over the interval between the scrapes. */
function latency(prev: Scrape, curr: Scrape): ChartPoint["latency"] {
  const name = "bulwark_http_request_duration_seconds_bucket";
  const byLe = increaseBy(
    prev,
    curr,
    name,
    clientRequests((labels) => labels.le ?? null),
  );
  const buckets = [...byLe].map(([le, count]) => ({
    le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le),
    count,
  }));
  if (!buckets.some((b) => b.le === Number.POSITIVE_INFINITY)) return { p50: null, p99: null };
  return { p50: histogramQuantile(0.5, buckets), p99: histogramQuantile(0.99, buckets) };
}

/**
 * The chart point for the interval from `prev` to `curr`. `ordersQueue` names the queue whose
 * messages `queueMessages` counts: `bulwark_queue_messages_total` also counts the
 * notification queues, whose retries say nothing about orders.
 */
export function chartPoint(prev: Scrape, curr: Scrape, ordersQueue: string): ChartPoint {
  return {
    at: curr.at,
    requests: record(rateBy(prev, curr, "bulwark_http_requests_total", statusClass)),
    latency: latency(prev, curr),
    shed: record(rateBy(prev, curr, "bulwark_shed_total", byLabel("reason"))),
    queued: record(gaugeBy(curr, "bulwark_admission_queued", byLabel("service"))),
    inFlight: record(gaugeBy(curr, "bulwark_admission_in_flight", byLabel("service"))),
    queueMessages: record(
      rateBy(prev, curr, "bulwark_queue_messages_total", (labels) =>
        labels.queue === ordersQueue ? (labels.outcome ?? null) : null,
      ),
    ),
    orders: record(rateBy(prev, curr, "bulwark_orders_total", byLabel("status"))),
  };
}
