import type { LoadReport } from "./result";
/** One processed message: the single shape every actor reports, whatever its service. */
export interface TelemetryEvent {
  readonly service: string;
  readonly actor: string;
  readonly command: string;
  /** `ok`, or the failure code (`overloaded`, `internal-error`, a domain code ...). */
  readonly outcome: string;
  readonly durationMs: number;
  readonly at: number;
}

/** A business counter's labels: bounded values only (an outcome, a status), never keys. */
export type CounterLabels = Readonly<Record<string, string>>;

/**
 * Where telemetry goes. Exporters (metrics, Analytics Engine) implement `record`, called once
 * per processed message, and optionally `count`, which receives the business counters a
 * handler emitted with `Actor.count` — only once the message's writes committed — and
 * `admitted`, called when a state-changing command of `service` got past admission and is
 * about to run: from here it counts in the actor's load (`currentLoad()`) until it ends. An
 * exporter of load starts reporting here, not only when a message ends, so an actor whose
 * commands hang reads as busy, not idle.
 */
export interface TelemetrySink {
  record(event: TelemetryEvent): void;
  count?(family: string, labels: CounterLabels, by: number): void;
  admitted?(service: string): void;
}

/** Per-command outcome counts and total duration, kept in memory for `inspect()`. */
export interface CommandStats {
  readonly count: number;
  readonly totalMs: number;
  readonly outcomes: Readonly<Record<string, number>>;
}

/**
 * The default sink: cheap in-memory counters per command, readable through the actor's
 * `inspect()`. Counters are per incarnation (a restart starts them again); durable history
 * belongs to exporters.
 */
export class CommandStatsSink implements TelemetrySink {
  readonly #stats = new Map<
    string,
    { count: number; totalMs: number; outcomes: Record<string, number> }
  >();

  record(event: TelemetryEvent): void {
    let stats = this.#stats.get(event.command);
    if (!stats) {
      stats = { count: 0, totalMs: 0, outcomes: {} };
      this.#stats.set(event.command, stats);
    }
    stats.count += 1;
    stats.totalMs += event.durationMs;
    stats.outcomes[event.outcome] = (stats.outcomes[event.outcome] ?? 0) + 1;
  }

  snapshot(): Record<string, CommandStats> {
    return Object.fromEntries(this.#stats);
  }
}

/**
 * Builds the telemetry sink of a declared service's actor for this deployment (a metrics
 * exporter, say) from the object's state, its environment and its current load; `null`
 * keeps the runtime's in-memory counts only.
 */
export type TelemetryProvider = (
  ctx: DurableObjectState,
  env: unknown,
  load: () => LoadReport | null,
) => TelemetrySink | null;

let provider: TelemetryProvider | null = null;

/**
 * Installs the deployment's telemetry provider: once per isolate, at module load (the Worker's
 * entry module graph runs before any object is built), the way a tracing SDK installs its
 * global provider. Every `ServiceActor` built afterwards exports through it, so a service
 * author writes nothing for metrics. `null` uninstalls it (tests).
 */
export function provideTelemetry(next: TelemetryProvider | null): void {
  provider = next;
}

/** The installed provider, if any. */
export const telemetryProvider = (): TelemetryProvider | null => provider;
