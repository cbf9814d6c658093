import { logEvent } from "../../../core/log";
import { commandDataPoint, type GaugeReport } from "../../../core/metrics";
import type { CounterLabels, LoadReport, TelemetryEvent, TelemetrySink } from "../../runtime";
import { FAMILIES, familyByName, isShedReason } from "./catalog";
import { metricsConfig } from "./config";
import { MetricsReporter, monitorOf } from "./reporter";

/** Refusals an actor decides itself (the edge counts circuit-open, rate-limited and queued). */
const ACTOR_SHED = new Set(["overloaded", "deadline-exceeded", "service-unavailable"]);

/** Where a sink writes Analytics Engine data points: the platform's write-only dataset. */
export interface DataPointWriter {
  writeDataPoint(point: { blobs: string[]; doubles: number[]; indexes: string[] }): void;
}

/**
 * An actor's telemetry exporter: every processed message becomes a counter increment and a
 * duration observation (and a shed count when the actor refused it for load), business
 * counters emitted with `Actor.count` are added, and the reporter flushes them in batches
 * with the actor's admission load as gauges. With an Analytics Engine dataset bound, each
 * message also becomes a data point there. Recording never throws into the actor.
 */
export class ActorMetricsSink implements TelemetrySink {
  readonly reporter: MetricsReporter;
  readonly #analytics: DataPointWriter | undefined;
  #service: string | null = null;

  constructor(reporter: MetricsReporter, analytics: DataPointWriter | undefined) {
    this.reporter = reporter;
    this.#analytics = analytics;
  }

  record(event: TelemetryEvent): void {
    this.#service = event.service;
    const { deltas } = this.reporter;
    deltas.inc(FAMILIES.actorMessages.name, {
      service: event.service,
      command: event.command,
      outcome: event.outcome,
    });
    deltas.observe(
      FAMILIES.actorDuration.name,
      { service: event.service },
      FAMILIES.actorDuration.buckets,
      event.durationMs / 1000,
    );
    if (ACTOR_SHED.has(event.outcome) && isShedReason(event.outcome)) {
      deltas.inc(FAMILIES.shed.name, { service: event.service, reason: event.outcome });
    }
    this.#writeDataPoint(event);
    this.reporter.schedule();
  }

  /** A business counter; one outside the catalog is a bug, logged and dropped (never thrown). */
  count(family: string, labels: CounterLabels, by: number): void {
    if (familyByName.get(family)?.type !== "counter") {
      logEvent("error", "unknown-counter", { family, service: this.#service });
      return;
    }
    this.reporter.deltas.inc(family, labels, by);
    this.reporter.schedule();
  }

  /** The admission gauges of this actor's service, once it has processed a message. */
  gauges(load: LoadReport | null): GaugeReport[] {
    if (this.#service === null) return [];
    const service = { service: this.#service };
    return [
      { family: FAMILIES.inFlight.name, labels: service, value: load?.inFlight ?? 0 },
      { family: FAMILIES.queued.name, labels: service, value: load?.queued ?? 0 },
    ];
  }

  #writeDataPoint(event: TelemetryEvent): void {
    if (!this.#analytics) return;
    try {
      this.#analytics.writeDataPoint(commandDataPoint(event));
    } catch {
      // Analytics Engine is best effort by design; a refused write must not fail a command.
    }
  }
}

/**
 * The sink a service shard installs, or `null` when `VISIBILITY=off`. `load` reads the
 * actor's current admission load at each flush.
 */
export function actorMetricsSink(
  ctx: DurableObjectState,
  env: Cloudflare.Env,
  load: () => LoadReport | null,
): ActorMetricsSink | null {
  const config = metricsConfig(env);
  if (!config.enabled) return null;
  const name = ctx.id.name ?? ctx.id.toString();
  let sink: ActorMetricsSink | null = null;
  const reporter = new MetricsReporter({
    name,
    monitor: monitorOf(env),
    flushMs: config.flushMs,
    gauges: () => sink?.gauges(load()) ?? [],
  });
  const analytics = (env as { ANALYTICS?: DataPointWriter }).ANALYTICS;
  sink = new ActorMetricsSink(reporter, analytics);
  return sink;
}
