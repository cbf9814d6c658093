import {
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
