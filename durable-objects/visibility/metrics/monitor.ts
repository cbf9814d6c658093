import { DurableObject } from "cloudflare:workers";
import { logEvent } from "../../../core/log";
import type { FamilySnapshot } from "../../../core/metrics";
import { SERVICES } from "../../config";
import type { LoadSignal, MetricsBatch } from "./batch";
import { FAMILIES, MONITORED } from "./catalog";
import { metricsConfig } from "./config";
import { toFamilies } from "./snapshot";
import { MetricsStore } from "./store";
import { sanitize } from "./validate";

/**
 * Shed reasons that mean "a shard refused work for load" in `loadSignals`. Only
 * `overloaded`: `service-unavailable` (the supervisor gave up) and `circuit-open` (a shard
 * keeps crashing) have their own alarms (`service-down`, `restart-intensity-exceeded`), and
 * counting `queued` would keep an overload alarm up exactly while its automation works.
 */
export const LOAD_REFUSALS = new Set(["overloaded"]);

/**
 * One of the deployment's `METRICS_MONITORS` metrics monitors (`METRICS`, names
 * `monitorName(i)`: `deployment`, `deployment-1`, …): every edge isolate, actor and
 * supervisor flushes its batches of deltas to one of them (chosen by hash, fixed for the
 * reporter's life), at most about once a second each — never once per request — and
 * readers sum them all, so no single object takes every reporter's flushes. Counters and histogram buckets are cumulative in
 * SQLite, so they survive the eviction of this object and of every reporter; gauges are the
 * latest report per reporter, dropped once older than `METRICS_GAUGE_TTL_MS`.
 */
export class MetricsMonitor extends DurableObject<Cloudflare.Env> {
  readonly #store: MetricsStore;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.#store = new MetricsStore(ctx.storage.sql);
  }

  /**
   * Applies one batch atomically, once: a batch whose `seq` is not above the last applied
   * one of its source is a resend of something already counted and is acknowledged without
   * effect. Entries that do not match the catalog are dropped (and logged), not thrown.
   * Prunes once `PRUNE_INTERVAL_MS` passed since the last prune. `now`: the real clock, or
   * a test's.
   */
  async ingest(raw: MetricsBatch, now = Date.now()): Promise<{ applied: boolean }> {
    const { batch, dropped } = sanitize(raw);
    if (dropped > 0) {
      logEvent("warn", "metrics-entries-dropped", { source: batch.source, dropped });
    }
    const applied = this.ctx.storage.transactionSync(() => {
      if (batch.seq <= this.#store.lastSeq(batch.source)) return false;
      this.#store.markApplied(batch.source, batch.seq, now);
      for (const counter of batch.counters) {
        this.#store.addCounter(counter);
        const reason = counter.labels.reason ?? "";
        const service = counter.labels.service;
        if (counter.family === FAMILIES.shed.name && LOAD_REFUSALS.has(reason) && service) {
          this.#store.addRefusals(service, Math.min(batch.at, now), counter.value);
        }
      }
      for (const histogram of batch.histograms) this.#store.addHistogram(histogram);
      for (const gauge of batch.gauges?.values ?? []) {
        this.#store.setGauge(batch.gauges?.reporter ?? batch.source, gauge, now);
      }
      return true;
    });
    // Scrapes prune too, but a deployment nobody scrapes must stay bounded all the same.
    this.#store.pruneIfDue(now, metricsConfig(this.env).gaugeTtlMs);
    return { applied };
  }

  /** Every monitored family with its series (seeded at 0), gauges from fresh reports only. */
  async snapshot(now = Date.now()): Promise<FamilySnapshot[]> {
    const { gaugeTtlMs } = metricsConfig(this.env);
    this.#store.prune(now, gaugeTtlMs);
    return toFamilies(MONITORED, {
      counters: this.#store.counters(),
      histograms: this.#store.histograms(),
      gauges: this.#store.gauges(now - gaugeTtlMs),
    });
  }

  /**
   * Load refusals (`overloaded`, see `LOAD_REFUSALS`) per service within the last
   * `LOAD_SIGNAL_WINDOW_MS` (default 10 s) before `now`, every service listed (0 when
   * quiet) so a poller can tell "no refusals" from "no answer". The overload alarm polls it.
   */
  async loadSignals(now: number = Date.now()): Promise<LoadSignal[]> {
    const windowMs = metricsConfig(this.env).loadWindowMs;
    const counts = this.#store.refusalsBetween(now - windowMs + 1, now);
    const services = new Set<string>([...SERVICES, ...counts.keys()]);
    return [...services].map((service) => ({
      service,
      refusals: counts.get(service) ?? 0,
      windowMs,
    }));
  }
}
