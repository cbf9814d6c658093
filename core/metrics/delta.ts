import { bucketIndex, emptyCounts } from "./histogram";
import { labelKey, labelsOf } from "./labels";
import type { Labels } from "./types";

/** A counter increment for one series. */
export interface CounterDelta {
  readonly family: string;
  readonly labels: Labels;
  readonly value: number;
}

/** Observations of one histogram series: per-bucket counts (not cumulative) and their sum. */
export interface HistogramDelta {
  readonly family: string;
  readonly labels: Labels;
  readonly counts: readonly number[];
  readonly sum: number;
}

/** A gauge's latest value as its reporter sees it. */
export interface GaugeReport {
  readonly family: string;
  readonly labels: Labels;
  readonly value: number;
}

/** What one reporter accumulated since its last batch. */
export interface Deltas {
  readonly counters: CounterDelta[];
  readonly histograms: HistogramDelta[];
}

/**
 * In-memory aggregation between flushes: increments and observations are merged per series,
 * so a batch grows with the number of distinct series (bounded labels), never with traffic.
 */
export class DeltaAggregator {
  readonly #counters = new Map<string, number>();
  readonly #histograms = new Map<string, { counts: number[]; sum: number }>();

  /**
   * The key of one series (family and label set), for `incSeries` and `observeSeries`: a
   * caller that records the same few series on every request resolves each key once and
   * skips the label work (a label object and its canonical key) per record.
   */
  static series(family: string, labels: Labels): string {
    return `${family}\n${labelKey(labels)}`;
  }

  /** Adds `by` (≥ 0; counters never go down) to a counter series. */
  inc(family: string, labels: Labels, by = 1): void {
    this.incSeries(DeltaAggregator.series(family, labels), by);
  }

  /** `inc` by a key from `series`. */
  incSeries(key: string, by = 1): void {
    if (!(by > 0)) return;
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + by);
  }

  /** Records one observation (in the histogram's unit) against `bounds`. */
  observe(family: string, labels: Labels, bounds: readonly number[], value: number): void {
    this.observeSeries(DeltaAggregator.series(family, labels), bounds, value);
  }

  /** `observe` by a key from `series`; the same key must always come with the same `bounds`. */
  observeSeries(key: string, bounds: readonly number[], value: number): void {
    let series = this.#histograms.get(key);
    if (!series) {
      series = { counts: emptyCounts(bounds), sum: 0 };
      this.#histograms.set(key, series);
    }
    const i = bucketIndex(bounds, value);
    series.counts[i] = (series.counts[i] as number) + 1;
    series.sum += value;
  }

  get empty(): boolean {
    return this.#counters.size === 0 && this.#histograms.size === 0;
  }

  /** Takes everything accumulated so far and starts again from zero. */
  drain(): Deltas {
    const split = (key: string) => {
      const at = key.indexOf("\n");
      return { family: key.slice(0, at), labels: labelsOf(key.slice(at + 1)) };
    };
    const deltas: Deltas = {
      counters: [...this.#counters].map(([key, value]) => ({ ...split(key), value })),
      histograms: [...this.#histograms].map(([key, h]) => ({ ...split(key), ...h })),
    };
    this.#counters.clear();
    this.#histograms.clear();
    return deltas;
  }
}
