import type { Labels } from "../../../core/metrics";
import type { MetricsBatch } from "./batch";
import { familyByName } from "./catalog";

/** Label values longer than this are refused: bounded labels are short names, not payloads. */
const MAX_LABEL_VALUE = 128;

function labelsFit(names: readonly string[], labels: Labels): boolean {
  const given = Object.keys(labels);
  return (
    given.length === names.length &&
    names.every((name) => {
      const value = labels[name];
      return typeof value === "string" && value.length <= MAX_LABEL_VALUE;
    })
  );
}

const nonNegative = (n: unknown): n is number =>
  typeof n === "number" && Number.isFinite(n) && n >= 0;

/**
 * Keeps only the entries of a batch that match the catalog: a known family of the right type,
 * exactly its label names, finite non-negative values (counters never go down), and bucket
 * arrays of the family's length. Answers the kept batch and how many entries were dropped.
 */
export function sanitize(batch: MetricsBatch): { batch: MetricsBatch; dropped: number } {
  const fits = (family: string, type: string, labels: Labels) => {
    const spec = familyByName.get(family);
    return spec !== undefined && spec.type === type && labelsFit(spec.labels, labels);
  };
  const counters = batch.counters.filter(
    (c) => fits(c.family, "counter", c.labels) && nonNegative(c.value),
  );
  const histograms = batch.histograms.filter((h) => {
    const spec = familyByName.get(h.family);
    return (
      fits(h.family, "histogram", h.labels) &&
      h.counts.length === (spec?.buckets?.length ?? 0) + 1 &&
      h.counts.every(nonNegative) &&
      nonNegative(h.sum)
    );
  });
  const gaugeValues = (batch.gauges?.values ?? []).filter(
    (g) => fits(g.family, "gauge", g.labels) && nonNegative(g.value),
  );
  const dropped =
    batch.counters.length -
    counters.length +
    batch.histograms.length -
    histograms.length +
    (batch.gauges?.values.length ?? 0) -
    gaugeValues.length;
  const gauges = batch.gauges
    ? { reporter: batch.gauges.reporter, values: gaugeValues }
    : undefined;
  return { batch: { ...batch, counters, histograms, gauges }, dropped };
}
