import { logEvent } from "../../../core/log";
import { DeltaAggregator, type GaugeReport } from "../../../core/metrics";
import { within } from "../../../core/time";
import { type MetricsBatch, monitorIndexOf, monitorName } from "./batch";
import { FAMILIES } from "./catalog";
import { metricsConfig } from "./config";

/** The monitor as a reporter sees it. */
export interface MonitorRpc {
  ingest(batch: MetricsBatch): Promise<{ applied: boolean }>;
}

/**
 * The stub of the monitor a reporter routed by `key` sends to (one of `METRICS_MONITORS`,
 * `monitorIndexOf`), fresh for each flush (a broken stub is never reused). The count is a
 * var, fixed for an isolate's life, so a given key always reaches the same monitor.
 */
export const monitorOf =
  (env: Cloudflare.Env) =>
  (key: string): MonitorRpc =>
    env.METRICS.get(
      env.METRICS.idFromName(monitorName(monitorIndexOf(key, metricsConfig(env).monitors))),
    );

export interface ReporterOptions {
  /** Who reports, for logs (`edge`, an object's name). */
  readonly name: string;
  /** The monitor for the reporter's `routeKey` (the same key at every flush). */
  readonly monitor: (routeKey: string) => MonitorRpc;
  /** The shortest time between two flushes (`METRICS_FLUSH_MS`). */
  readonly flushMs: number;
  /** Current gauge values, read at each flush (actors report their admission load). */
  readonly gauges?: () => GaugeReport[];
  /**
   * How often gauges that are not all zero are reported again though unchanged
   * (`METRICS_GAUGE_TTL_MS` / 3 for actors), so the monitor, which drops a report older than
   * its TTL, keeps seeing the load of a shard that is busy but completes nothing (a stuck
   * call records no message, so nothing else would flush). Default: never.
   */
  readonly gaugeRefreshMs?: number;
  /** Consecutive failed flushes after which the loop stops until the next record. */
  readonly maxFailures?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The longest a flush waits for the monitor's answer, and for the flush before it. An
 * isolate's reporter is shared by its requests, and a promise begun in one request's
 * context may never settle once that request is gone; unbounded, one such wait would hold
 * every later flush — and each request's `waitUntil` — forever. A batch not acknowledged
 * in time is sent again (same `seq`: the monitor applies it once).
 */
const WAIT_CAP_MS = 3000;

/** How often a flush looks whether the one before it is done sending. */
const TURN_POLL_MS = 10;

/**
 * Aggregates one isolate's or object's metrics in memory and hands them to the monitor in
 * batches, at most once per `flushMs`, off the request path: recording is a map update, and
 * `schedule()` makes sure one flush is pending. A flush waits out the rest of the interval,
 * then sends everything recorded so far; records made after it started get the next one. The
 * caller that created a flush passes its promise to `waitUntil` (at the edge), so an idle
 * isolate's last requests still arrive within `flushMs` plus a round trip. Every flush ends:
 * no loop outlives its `waitUntil`. The one exception is an actor's load heartbeat
 * (`gaugeRefreshMs`): while the load it last sent is not zero, a flush that got through
 * schedules the next, inside the object that holds the load; the heartbeat stops when the
 * load is reported gone or a flush fails `maxFailures` times (the next record restarts it).
 * A load is first sent by the flush its holder schedules when the load rises (an actor's
 * sink schedules one at each admission), so commands that hang are reported even when no
 * message has ended yet.
 *
 * A failed flush is logged (`metrics-flush-failed`), never thrown, and retried within the
 * same flush up to `maxFailures` times (default 5) one interval apart; after that the next
 * record retries. The same batch — same `seq` — is sent until the monitor acknowledges it,
 * and the monitor applies each `seq` of a source once, so a batch that was applied but whose
 * answer was lost is not counted twice. Deltas recorded meanwhile wait for the next batch.
 */
export class MetricsReporter {
  readonly deltas = new DeltaAggregator();
  readonly #options: ReporterOptions;
  readonly #source = crypto.randomUUID();
  /**
   * What picks this reporter's monitor, fixed for its life so its batches never split
   * across monitors (each keeps its own `seq` per source). The source id for most; the name
   * for a reporter of gauges, which the monitor keys by that name: an object revived after
   * an eviction or a crash then reaches the monitor holding its predecessor's report, and
   * replaces it instead of being summed with it until the TTL.
   */
  readonly routeKey: string;
  #seq = 0;
  #unacked: MetricsBatch | null = null;
  /** The flush that has not cut its batch yet: new records ride it. */
  #pendingFlush: Promise<void> | null = null;
  /**
   * The flush that is sending (a token, not its promise): the next one waits until it is
   * done, so batches go out one at a time.
   */
  #sending: object | null = null;
  #lastFlushAt = 0;
  #lastGauges = "";
  #lastGaugesAt = 0;
  /** Whether the gauges last sent had a value other than 0 (the heartbeat runs while so). */
  #loaded = false;

  constructor(options: ReporterOptions) {
    this.#options = options;
    this.routeKey = options.gauges ? options.name : this.#source;
  }

  /**
   * Makes sure a flush will carry what was recorded so far. Answers the new flush's promise
   * (never rejecting) when this call created it, `null` when one was already pending.
   */
  schedule(): Promise<void> | null {
    if (this.#pendingFlush) return null;
    const flush = (async () => {
      await this.#previousSent();
      await sleep(Math.max(0, this.#lastFlushAt + this.#options.flushMs - Date.now()));
      this.#pendingFlush = null; // from here on, new records need the next flush
      const turn = {};
      this.#sending = turn;
      try {
        const maxFailures = this.#options.maxFailures ?? 5;
        let sent = await this.flush();
        for (let failures = 1; !sent && failures < maxFailures; failures++) {
          await sleep(this.#options.flushMs);
          sent = await this.flush();
        }
        // A load reported stays fresh at the monitor until a flush reports it gone.
        if (sent && this.#loaded && this.#options.gaugeRefreshMs !== undefined) this.schedule();
      } finally {
        if (this.#sending === turn) this.#sending = null;
      }
    })();
    this.#pendingFlush = flush;
    return flush;
  }

  /**
   * Waits until the flush before this one is done sending, for at most `WAIT_CAP_MS`, on
   * this flush's own timers. It never awaits that flush's promise, which belongs to the
   * request that began it. When it did, a flush could be woken by the other request's
   * promise and never end: in the workerd test pool, a queue batch handled in the test's
   * own context queued its flush behind an HTTP request's; it resumed the moment that one
   * sent, and then its `sleep` never fired (about one run of the queue tests in three). A
   * flush that never ends holds its request's `waitUntil`, and, as the pending flush, keeps
   * every later record of the isolate from being sent.
   */
  async #previousSent(): Promise<void> {
    const giveUpAt = Date.now() + WAIT_CAP_MS;
    while (this.#sending !== null && Date.now() < giveUpAt) await sleep(TURN_POLL_MS);
  }

  /** Whether the gauges are to be sent: changed, or non-zero and due for their refresh. */
  #gaugesDue(): boolean {
    if (this.#options.gauges === undefined) return false;
    if (JSON.stringify(this.#gauges()) !== this.#lastGauges) return true;
    const refresh = this.#options.gaugeRefreshMs;
    return this.#loaded && refresh !== undefined && Date.now() - this.#lastGaugesAt >= refresh;
  }

  #gauges(): GaugeReport[] {
    return this.#options.gauges?.() ?? [];
  }

  /**
   * Sends the unacknowledged batch if there is one, then cuts and sends a new one from the
   * deltas (and changed gauges). Answers whether everything was taken. Never throws.
   */
  async flush(): Promise<boolean> {
    this.#lastFlushAt = Date.now();
    if (this.#unacked && !(await this.#send(this.#unacked))) return false;
    if (this.deltas.empty && !this.#gaugesDue()) return true;
    this.#unacked = this.#cut();
    return this.#send(this.#unacked);
  }

  async #send(batch: MetricsBatch): Promise<boolean> {
    // Called inside the async function, so a stub that throws at once is a failed flush too.
    const answer = await within(
      (async () => this.#options.monitor(this.routeKey).ingest(batch))(),
      WAIT_CAP_MS,
    );
    if (answer.ended === "value") {
      if (this.#unacked === batch) this.#unacked = null;
      return true;
    }
    const error =
      answer.ended === "error"
        ? answer.error
        : new Error(`the monitor did not answer within ${WAIT_CAP_MS} ms`);
    logEvent("warn", "metrics-flush-failed", {
      reporter: this.#options.name,
      seq: batch.seq,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
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
    this.#lastGaugesAt = at;
    this.#loaded = values.some((gauge) => gauge.value !== 0);
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
