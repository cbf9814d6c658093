import { logEvent } from "../../../core/log";
import {
  commandDataPoint,
  DeltaAggregator,
  type GaugeReport,
  shardIndexOf,
} from "../../../core/metrics";
import {
  type CounterLabels,
  type LoadReport,
  objectName,
  type TelemetryEvent,
  type TelemetrySink,
} from "../../runtime";
import { FAMILIES, familyByName, isShedReason } from "./catalog";
import { metricsConfig } from "./config";
import { MetricsReporter, monitorOf } from "./reporter";

/** Refusals an actor decides itself (the edge counts circuit-open, rate-limited and queued). */
const ACTOR_SHED = new Set(["overloaded", "deadline-exceeded", "service-unavailable"]);

/** The series one message records into (`ActorMetricsSink.record`). */
interface MessageSeries {
  readonly service: string;
  readonly messages: string;
  readonly duration: string;
  /** `null` when the outcome is not a refusal for load. */
  readonly shed: string | null;
}

/** Commands, and outcomes per command, an actor's series memo keeps before starting over. */
const MAX_SERIES = 256;

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
  /** Series keys by command, then outcome (`#seriesOf`). */
  readonly #series = new Map<string, Map<string, MessageSeries>>();
  /** The actor of the last data point and its shard index (one actor per sink). */
  #actor = "";
  #shardIndex = -1;

  constructor(reporter: MetricsReporter, analytics: DataPointWriter | undefined) {
    this.reporter = reporter;
    this.#analytics = analytics;
  }

  record(event: TelemetryEvent): void {
    this.#service = event.service;
    const { deltas } = this.reporter;
    const series = this.#seriesOf(event);
    deltas.incSeries(series.messages);
    deltas.observeSeries(series.duration, FAMILIES.actorDuration.buckets, event.durationMs / 1000);
    if (series.shed !== null) deltas.incSeries(series.shed);
    this.#writeDataPoint(event);
    this.reporter.schedule();
  }

  /**
   * The series a message of this command and outcome records into, resolved once each: an
   * actor answers the same few commands and outcomes all the time (bounded: commands are
   * its protocol's, outcomes its codes; past `MAX_SERIES` the memo starts over).
   */
  #seriesOf(event: TelemetryEvent): MessageSeries {
    const { service, command, outcome } = event;
    let byOutcome = this.#series.get(command);
    if (byOutcome === undefined) {
      if (this.#series.size >= MAX_SERIES) this.#series.clear();
      byOutcome = new Map();
      this.#series.set(command, byOutcome);
    }
    let series = byOutcome.get(outcome);
    if (series === undefined || series.service !== service) {
      if (byOutcome.size >= MAX_SERIES) byOutcome.clear();
      const shed = ACTOR_SHED.has(outcome) && isShedReason(outcome);
      series = {
        service,
        messages: DeltaAggregator.series(FAMILIES.actorMessages.name, {
          service,
          command,
          outcome,
        }),
        duration: DeltaAggregator.series(FAMILIES.actorDuration.name, { service }),
        shed: shed
          ? DeltaAggregator.series(FAMILIES.shed.name, { service, reason: outcome })
          : null,
      };
      byOutcome.set(outcome, series);
    }
    return series;
  }

  /**
   * A command was admitted: the load it adds is reported from now on, and again while it
   * lasts (the reporter's heartbeat), not only once a message ends — a shard whose first
   * commands hang, or that was idle and then hangs, would otherwise read as idle.
   */
  admitted(service: string): void {
    this.#service = service;
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

  /** The admission gauges of this actor's service, once it has admitted or processed a message. */
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
      if (event.actor !== this.#actor) {
        this.#actor = event.actor;
        this.#shardIndex = shardIndexOf(event.actor);
      }
      this.#analytics.writeDataPoint(commandDataPoint(event, this.#shardIndex));
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
  const name = objectName(ctx);
  let sink: ActorMetricsSink | null = null;
  const reporter = new MetricsReporter({
    name,
    monitor: monitorOf(env),
    flushMs: config.flushMs,
    gauges: () => sink?.gauges(load()) ?? [],
    gaugeRefreshMs: Math.floor(config.gaugeTtlMs / 3),
  });
  const analytics = (env as { ANALYTICS?: DataPointWriter }).ANALYTICS;
  sink = new ActorMetricsSink(reporter, analytics);
  return sink;
}
