import type { Context } from "hono";
import { DeltaAggregator } from "../../core/metrics";
import { FAMILIES } from "../../durable-objects/visibility/metrics/catalog";
import type { MetricsReporter } from "../../durable-objects/visibility/metrics/reporter";
import type { AppEnv } from "../context";
import { flushLater } from "./edge-metrics";

/** Methods kept as label values; anything else is `other` (labels stay bounded). */
const METHODS = new Set(["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]);

/**
 * The route label: the matched pattern (`/v1/skus/:sku`), never the raw path, and
 * `unmatched` for requests no route took (their paths are whatever clients typed).
 */
export function routeLabel(routePath: string): string {
  return routePath === "*" || routePath === "/*" || routePath === "" ? "unmatched" : routePath;
}

/**
 * Counts an answered request by route pattern, method and status, and observes its duration
 * since `startedAt`, into this isolate's reporter (`edgeReporter`); the flush runs in `waitUntil`. Called by
 * the outermost layer (`entry`) after the chain, so error answers (from `onError`) are
 * counted with their status too.
 */
export function recordHttpRequest(
  c: Context<AppEnv>,
  reporter: MetricsReporter,
  startedAt: number,
): void {
  const route = routeLabel(c.req.routePath);
  const method = METHODS.has(c.req.method) ? c.req.method : "other";
  const series = seriesOf(route, method, c.res.status);
  reporter.deltas.incSeries(series.requests);
  reporter.deltas.observeSeries(
    series.duration,
    FAMILIES.httpDuration.buckets,
    (Date.now() - startedAt) / 1000,
  );
  try {
    flushLater(c.executionCtx);
  } catch {
    // No execution context (a test calling app.fetch directly): the next request flushes.
  }
}

/** The series keys of one route, method and status: the same few on every request. */
interface HttpSeries {
  readonly requests: string;
  readonly duration: string;
}

/**
 * Series keys by route, method and status, resolved once each (`DeltaAggregator.series`).
 * Bounded like the labels themselves: route patterns, methods and statuses are few; past
 * `MAX_SERIES` the memo starts over.
 */
const httpSeries = new Map<string, HttpSeries>();
const MAX_SERIES = 1024;

function seriesOf(route: string, method: string, status: number): HttpSeries {
  const spelling = `${status} ${method} ${route}`;
  let series = httpSeries.get(spelling);
  if (series === undefined) {
    if (httpSeries.size >= MAX_SERIES) httpSeries.clear();
    series = {
      requests: DeltaAggregator.series(FAMILIES.httpRequests.name, {
        route,
        method,
        status: String(status),
      }),
      duration: DeltaAggregator.series(FAMILIES.httpDuration.name, { route }),
    };
    httpSeries.set(spelling, series);
  }
  return series;
}
