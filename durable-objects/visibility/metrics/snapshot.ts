import {
  addCounts,
  emptyCounts,
  type FamilySnapshot,
  type FamilySpec,
  type HistogramSeries,
  type Labels,
  labelKey,
  type ValueSeries,
} from "../../../core/metrics";

interface Rows {
  readonly counters: readonly { family: string; labels: Labels; value: number }[];
  readonly histograms: readonly { family: string; labels: Labels; counts: number[]; sum: number }[];
  readonly gauges: readonly { family: string; labels: Labels; value: number }[];
}

/** Seeds first (at 0), then stored series; a stored series replaces its seed. */
function valueSeries(spec: FamilySpec, rows: Rows["counters"]): ValueSeries[] {
  const series = new Map<string, ValueSeries>();
  for (const labels of spec.seed ?? []) series.set(labelKey(labels), { labels, value: 0 });
  for (const row of rows) {
    if (row.family === spec.name) series.set(labelKey(row.labels), row);
  }
  return [...series.values()];
}

function histogramSeries(spec: FamilySpec, rows: Rows["histograms"]): HistogramSeries[] {
  const series = new Map<string, HistogramSeries>();
  const bounds = spec.buckets ?? [];
  for (const labels of spec.seed ?? []) {
    series.set(labelKey(labels), { labels, counts: emptyCounts(bounds), sum: 0 });
  }
  for (const row of rows) {
    if (row.family === spec.name) series.set(labelKey(row.labels), row);
  }
  return [...series.values()];
}

/** The monitor's rows as renderable families, in catalog order, seeds included. */
export function toFamilies(specs: readonly FamilySpec[], rows: Rows): FamilySnapshot[] {
  return specs.map((spec): FamilySnapshot => {
    if (spec.type === "histogram") {
      return {
        spec: { ...spec, type: "histogram" },
        series: histogramSeries(spec, rows.histograms),
      };
    }
    const source = spec.type === "counter" ? rows.counters : rows.gauges;
    return { spec: { ...spec, type: spec.type }, series: valueSeries(spec, source) };
  });
}

/**
 * The snapshots of several monitors as one: a family's series summed per label set —
 * counters and gauges by value (each monitor already sums the reporters it holds), histograms
 * bucket by bucket with their sums added. Families and series keep the order they first
 * appear in, so monitors answering in catalog order (seeds first) merge in catalog order.
 */
export function mergeFamilies(snapshots: readonly (readonly FamilySnapshot[])[]): FamilySnapshot[] {
  const merged = new Map<string, { spec: FamilySpec; series: Map<string, Summed> }>();
  for (const families of snapshots) {
    for (const family of families) {
      let into = merged.get(family.spec.name);
      if (into === undefined) {
        into = { spec: family.spec, series: new Map() };
        merged.set(family.spec.name, into);
      }
      for (const series of family.series) add(into.series, series);
    }
  }
  return [...merged.values()].map(({ spec, series }): FamilySnapshot => {
    if (spec.type === "histogram") {
      const histograms = [...series.values()].map(
        ({ labels, counts, sum }): HistogramSeries => ({ labels, counts, sum }),
      );
      return { spec: { ...spec, type: "histogram" }, series: histograms };
    }
    const values = [...series.values()].map(
      ({ labels, value }): ValueSeries => ({ labels, value }),
    );
    return { spec: { ...spec, type: spec.type }, series: values };
  });
}

/** A series being summed: a value (counter, gauge) or buckets and a sum (histogram). */
interface Summed {
  readonly labels: Labels;
  value: number;
  counts: number[];
  sum: number;
}

function add(into: Map<string, Summed>, series: ValueSeries | HistogramSeries): void {
  const key = labelKey(series.labels);
  let summed = into.get(key);
  if (summed === undefined) {
    summed = { labels: series.labels, value: 0, counts: [], sum: 0 };
    into.set(key, summed);
  }
  if ("counts" in series) {
    while (summed.counts.length < series.counts.length) summed.counts.push(0);
    addCounts(summed.counts, series.counts);
    summed.sum += series.sum;
  } else summed.value += series.value;
}
