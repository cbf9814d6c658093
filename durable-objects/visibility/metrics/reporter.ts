import { logEvent } from "../../../core/log";
import { DeltaAggregator, type GaugeReport } from "../../../core/metrics";
import { type MetricsBatch, MONITOR_NAME } from "./batch";
import { FAMILIES } from "./catalog";

/** The monitor as a reporter sees it. */
export interface MonitorRpc {
  ingest(batch: MetricsBatch): Promise<{ applied: boolean }>;
}

/** The monitor stub of a deployment, fresh for each flush (a broken stub is never reused). */
export const monitorOf = (env: Cloudflare.Env) => (): MonitorRpc =>
  env.METRICS.get(env.METRICS.idFromName(MONITOR_NAME));

export interface ReporterOptions {
  /** Who reports, for logs (`edge`, an object's name). */
  readonly name: string;
  readonly monitor: () => MonitorRpc;
  /** The shortest time between two flushes (`METRICS_FLUSH_MS`). */
  readonly flushMs: number;
  /** Current gauge values, read at each flush (actors report their admission load). */
  readonly gauges?: () => GaugeReport[];
  /** Consecutive failed flushes after which the loop stops until the next record. */
  readonly maxFailures?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Aggregates one isolate's or object's metrics in memory and hands them to the monitor in
 * batches, at most once per `flushMs`, off the request path: recording is a map update, and
 * `schedule()` starts (once) a loop that sleeps, flushes, and goes on while there is anything
 * left to send. The caller passes the loop's promise to `waitUntil`, so an idle isolate's
 * last requests still arrive (within `flushMs` plus one round trip).
 *
 * A failed flush is logged (`metrics-flush-failed`), never thrown, and the same batch — same
 * `seq` — is sent again on the next flush; the monitor applies each `seq` of a source once,
 * so a batch that was applied but whose answer was lost is not counted twice. Deltas recorded
 * meanwhile wait in memory for the next batch. After `maxFailures` failures in a row (default
 * 5) the loop stops; the next record starts it again.
 */
export class MetricsReporter {
  readonly deltas = new DeltaAggregator();
  readonly #options: ReporterOptions;
  readonly #source = crypto.randomUUID();
  #seq = 0;
  #unacked: MetricsBatch | null = null;
  #loop: Promise<void> | null = null;
  #lastFlushAt = 0;
  #lastGauges = "";

  constructor(options: ReporterOptions) {
    this.#options = options;
  }

  /** Starts the flush loop unless it runs; answers its promise when it was started now. */
  schedule(): Promise<void> | null {
    if (this.#loop) return null;
    const loop = this.#run().finally(() => {
      if (this.#loop === loop) this.#loop = null;
    });
    this.#loop = loop;
    return loop;
  }

  async #run(): Promise<void> {
    let failures = 0;
    const maxFailures = this.#options.maxFailures ?? 5;
    while (this.#pending() && failures < maxFailures) {
      await sleep(Math.max(0, this.#lastFlushAt + this.#options.flushMs - Date.now()));
      failures = (await this.flush()) ? 0 : failures + 1;
    }
  }

  /** Whether anything is waiting: an unacknowledged batch, deltas, or changed gauges. */
  #pending(): boolean {
    return this.#unacked !== null || !this.deltas.empty || this.#gaugesChanged();
  }

  #gaugesChanged(): boolean {
    return (
      this.#options.gauges !== undefined && JSON.stringify(this.#gauges()) !== this.#lastGauges
    );
  }

  #gauges(): GaugeReport[] {
    return this.#options.gauges?.() ?? [];
  }

  /**
   * Sends the unacknowledged batch if there is one, else cuts a new one from the deltas.
   * Answers whether the monitor took it. Never throws.
   */
  async flush(): Promise<boolean> {
    this.#lastFlushAt = Date.now();
    if (!this.#unacked) {
      if (!this.#pending()) return true;
      this.#unacked = this.#cut();
    }
    const batch = this.#unacked;
    try {
      await this.#options.monitor().ingest(batch);
      if (this.#unacked === batch) this.#unacked = null;
      return true;
    } catch (error) {
      logEvent("warn", "metrics-flush-failed", {
        reporter: this.#options.name,
        seq: batch.seq,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }

  #cut(): MetricsBatch {
    const { counters, histograms } = this.deltas.drain();
    const at = Date.now();
    summarizeShedding(this.#options.name, counters);
    const batch: MetricsBatch = {
      source: this.#source,
      seq: ++this.#seq,
      at,
      counters,
      histograms,
    };
    if (!this.#options.gauges) return batch;
    const values = this.#gauges();
    this.#lastGauges = JSON.stringify(values);
    return { ...batch, gauges: { reporter: this.#options.name, values } };
  }
}

/** One log line per batch that shed work: counts per service and reason, never per request. */
function summarizeShedding(
  reporter: string,
  counters: readonly { family: string; labels: Readonly<Record<string, string>>; value: number }[],
): void {
  const shed = counters.filter((c) => c.family === FAMILIES.shed.name);
  if (shed.length === 0) return;
  logEvent("info", "shed-summary", {
    reporter,
    shed: shed.map((c) => ({ service: c.labels.service, reason: c.labels.reason, count: c.value })),
  });
}
