import type { Labels } from "../../core/metrics";
import { EDGE, services } from "../../durable-objects/services";
import { FAMILIES, type ShedReason } from "../../durable-objects/visibility/metrics/catalog";
import { metricsConfig } from "../../durable-objects/visibility/metrics/config";
import { MetricsReporter, monitorOf } from "../../durable-objects/visibility/metrics/reporter";

/**
 * This isolate's reporter, module-global like the edge's breakers: every request of the
 * isolate adds to it, and one flush loop at a time hands the deltas to the monitor. Created
 * by the first request or queue batch (which brings `env`); `null` with `VISIBILITY=off`.
 */
let reporter: MetricsReporter | null = null;
let configured = false;

export function edgeReporter(env: Cloudflare.Env): MetricsReporter | null {
  if (configured) return reporter;
  const config = metricsConfig(env);
  configured = true;
  reporter = config.enabled
    ? new MetricsReporter({ name: EDGE, monitor: monitorOf(env), flushMs: config.flushMs })
    : null;
  return reporter;
}

/** Makes sure this isolate flushes soon; the loop lives in `waitUntil`, off the answer. */
export function flushLater(ctx: { waitUntil(promise: Promise<unknown>): void }): void {
  const loop = reporter?.schedule();
  if (loop) ctx.waitUntil(loop);
}

/** Counts a shed decision made at the edge (a no-op before configuration or when off). */
export function countShed(service: string, reason: ShedReason): void {
  reporter?.deltas.inc(FAMILIES.shed.name, { service, reason });
}

/** Adds to an edge counter family (a no-op before configuration or when off). */
export function countEdge(family: string, labels: Labels, by = 1): void {
  reporter?.deltas.inc(family, labels, by);
}

/**
 * The service a route pattern belongs to, for edge decisions made before a shard is known:
 * the one whose declared `routePrefix` holds it (`ServiceRegistry.serviceOfRoute`), so a new
 * service's routes, hand-written ones included, are counted as its own; `edge` for routes of
 * no service (operations, metrics, health, unmatched paths).
 */
export function serviceOfRoute(route: string): string {
  return services.serviceOfRoute(route) ?? EDGE;
}
