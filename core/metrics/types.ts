/** The three metric types Bulwark exports (Prometheus' and OpenMetrics' names for them). */
export type MetricType = "counter" | "gauge" | "histogram";

/** Label name → value. Values must be bounded (route patterns, service names), never keys. */
export type Labels = Readonly<Record<string, string>>;

/**
 * One metric family as it is declared: its name as exposed (`_total` included for counters,
 * as the Prometheus text format shows it), help text, label names, and for histograms the
 * upper bounds of its buckets in seconds (ascending, `+Inf` implied).
 */
export interface FamilySpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
  /** Label sets exposed at 0 before anything happened, so rates work from the first scrape. */
  readonly seed?: readonly Labels[];
}

/** A counter or gauge series: one label set and its value. */
export interface ValueSeries {
  readonly labels: Labels;
  readonly value: number;
}

/**
 * A histogram series. `counts[i]` is the number of observations in bucket `i` alone (not
 * cumulative): `counts.length` is the family's bucket count plus one for `+Inf`.
 */
export interface HistogramSeries {
  readonly labels: Labels;
  readonly counts: readonly number[];
  readonly sum: number;
}

/** A family with its current series, ready to render. */
export type FamilySnapshot =
  | { readonly spec: FamilySpec & { type: "counter" | "gauge" }; readonly series: ValueSeries[] }
  | { readonly spec: FamilySpec & { type: "histogram" }; readonly series: HistogramSeries[] };
