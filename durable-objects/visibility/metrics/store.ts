import {
  addCounts,
  type CounterDelta,
  type GaugeReport,
  type HistogramDelta,
  labelKey,
  labelsOf,
} from "../../../core/metrics";

/** Sources that stayed silent this long are forgotten (a resend after that would count again). */
export const SOURCE_RETENTION_MS = 24 * 3600_000;
/** Refusal buckets are kept this long, well past any window `loadSignals` is asked about. */
const REFUSAL_RETENTION_MS = 3600_000;
/** How often `pruneIfDue` prunes: storage stays bounded by ingest alone, without a scraper. */
export const PRUNE_INTERVAL_MS = 60_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS metric_sources (source TEXT PRIMARY KEY, seq INTEGER NOT NULL, seen_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS metric_counters (family TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (family, labels));
CREATE TABLE IF NOT EXISTS metric_histograms (family TEXT NOT NULL, labels TEXT NOT NULL, counts TEXT NOT NULL, sum REAL NOT NULL, PRIMARY KEY (family, labels));
CREATE TABLE IF NOT EXISTS metric_gauges (family TEXT NOT NULL, labels TEXT NOT NULL, reporter TEXT NOT NULL, value REAL NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (family, labels, reporter));
CREATE TABLE IF NOT EXISTS metric_refusals (service TEXT NOT NULL, second INTEGER NOT NULL, count REAL NOT NULL, PRIMARY KEY (service, second));
`;

/**
 * The monitor's SQLite tables: cumulative counters and histogram buckets (only ever added
 * to), the latest gauge report per reporter, the last applied batch per source, and refusals
 * per service per second for the load signal.
 */
export class MetricsStore {
  readonly #sql: SqlStorage;
  /** When this instance last pruned (0: not yet, so its first ingest prunes). */
  #prunedAt = 0;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(SCHEMA);
  }

  /** The last batch applied from `source`, or 0. */
  lastSeq(source: string): number {
    const row = this.#sql
      .exec<{ seq: number }>("SELECT seq FROM metric_sources WHERE source = ?", source)
      .toArray()[0];
    return row?.seq ?? 0;
  }

  markApplied(source: string, seq: number, now: number): void {
    this.#sql.exec(
      `INSERT INTO metric_sources (source, seq, seen_at) VALUES (?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET seq = excluded.seq, seen_at = excluded.seen_at`,
      source,
      seq,
      now,
    );
  }

  addCounter(delta: CounterDelta): void {
    this.#sql.exec(
      `INSERT INTO metric_counters (family, labels, value) VALUES (?, ?, ?)
       ON CONFLICT (family, labels) DO UPDATE SET value = value + excluded.value`,
      delta.family,
      labelKey(delta.labels),
      delta.value,
    );
  }

  addHistogram(delta: HistogramDelta): void {
    const key = labelKey(delta.labels);
    const row = this.#sql
      .exec<{ counts: string; sum: number }>(
        "SELECT counts, sum FROM metric_histograms WHERE family = ? AND labels = ?",
        delta.family,
        key,
      )
      .toArray()[0];
    const counts = row ? addCounts(JSON.parse(row.counts), delta.counts) : [...delta.counts];
    this.#sql.exec(
      `INSERT INTO metric_histograms (family, labels, counts, sum) VALUES (?, ?, ?, ?)
       ON CONFLICT (family, labels) DO UPDATE SET counts = excluded.counts, sum = excluded.sum`,
      delta.family,
      key,
      JSON.stringify(counts),
      (row?.sum ?? 0) + delta.sum,
    );
  }

  setGauge(reporter: string, report: GaugeReport, at: number): void {
    this.#sql.exec(
      `INSERT INTO metric_gauges (family, labels, reporter, value, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (family, labels, reporter) DO UPDATE SET value = excluded.value, at = excluded.at`,
      report.family,
      labelKey(report.labels),
      reporter,
      report.value,
      at,
    );
  }

  addRefusals(service: string, at: number, count: number): void {
    this.#sql.exec(
      `INSERT INTO metric_refusals (service, second, count) VALUES (?, ?, ?)
       ON CONFLICT (service, second) DO UPDATE SET count = count + excluded.count`,
      service,
      Math.floor(at / 1000),
      count,
    );
  }

  /** Refusals per service recorded in the whole seconds from `from` to `to` (epoch ms). */
  refusalsBetween(from: number, to: number): Map<string, number> {
    const rows = this.#sql
      .exec<{ service: string; total: number }>(
        `SELECT service, SUM(count) AS total FROM metric_refusals
         WHERE second >= ? AND second <= ? GROUP BY service`,
        Math.floor(from / 1000),
        Math.floor(to / 1000),
      )
      .toArray();
    return new Map(rows.map((r) => [r.service, r.total]));
  }

  counters(): { family: string; labels: Record<string, string>; value: number }[] {
    return this.#sql
      .exec<{ family: string; labels: string; value: number }>(
        "SELECT family, labels, value FROM metric_counters",
      )
      .toArray()
      .map((r) => ({ family: r.family, labels: { ...labelsOf(r.labels) }, value: r.value }));
  }

  histograms(): {
    family: string;
    labels: Record<string, string>;
    counts: number[];
    sum: number;
  }[] {
    return this.#sql
      .exec<{ family: string; labels: string; counts: string; sum: number }>(
        "SELECT family, labels, counts, sum FROM metric_histograms",
      )
      .toArray()
      .map((r) => ({
        family: r.family,
        labels: { ...labelsOf(r.labels) },
        counts: JSON.parse(r.counts) as number[],
        sum: r.sum,
      }));
  }

  /** Gauge values reported since `freshFrom`, summed over reporters. */
  gauges(freshFrom: number): { family: string; labels: Record<string, string>; value: number }[] {
    return this.#sql
      .exec<{ family: string; labels: string; value: number }>(
        `SELECT family, labels, SUM(value) AS value FROM metric_gauges WHERE at >= ?
         GROUP BY family, labels`,
        freshFrom,
      )
      .toArray()
      .map((r) => ({ family: r.family, labels: { ...labelsOf(r.labels) }, value: r.value }));
  }

  /** Prunes when the last prune is `PRUNE_INTERVAL_MS` old (or more, or in the future). */
  pruneIfDue(now: number, gaugeTtlMs: number): void {
    if (Math.abs(now - this.#prunedAt) >= PRUNE_INTERVAL_MS) this.prune(now, gaugeTtlMs);
  }

  /** Drops stale gauges, forgotten sources and old refusal buckets. */
  prune(now: number, gaugeTtlMs: number): void {
    this.#prunedAt = now;
    this.#sql.exec("DELETE FROM metric_gauges WHERE at < ?", now - gaugeTtlMs);
    this.#sql.exec("DELETE FROM metric_sources WHERE seen_at < ?", now - SOURCE_RETENTION_MS);
    this.#sql.exec(
      "DELETE FROM metric_refusals WHERE second < ?",
      Math.floor((now - REFUSAL_RETENTION_MS) / 1000),
    );
  }
}
