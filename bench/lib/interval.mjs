import { seededRandom } from "./random.mjs";
import { median } from "./stats.mjs";

/**
 * How sure a ratio is. A bench ratio here is the median of paired per-slice ratios (each
 * slice loads every server in turn, so drift cancels within a slice); on a shared 2-core
 * machine those ratios scatter by several percent, so a point figure near a target says
 * little on its own. This gives the median a percentile bootstrap interval: resample the
 * slices with replacement, take each resample's median, and keep the middle `confidence`
 * of those medians. Distribution-free (the slices' ratios are not normal: a disturbed
 * slice is an outlier). It is the interval of the slice-by-slice median the bench prints
 * beside its ratio of medians, and the verdict on a throughput target is read from it.
 *
 * Written here rather than taken from npm: the statistics packages that are field-standard
 * (simple-statistics, jStat) offer tests and distributions but no bootstrap interval of a
 * median, and this is a dozen lines over `median`.
 *
 * Slices of one round are not fully independent (the same servers, seconds apart), so the
 * interval is a reading aid, not a guarantee: it is too narrow if slices drift together.
 */

/**
 * The median of `values` and its percentile bootstrap interval at `confidence` (default
 * 0.95) over `resamples` (default 10,000) resamples drawn with `seed` (default 1). Fewer
 * than 2 values have no interval: low and high are the median itself.
 */
export function medianInterval(values, opts = {}) {
  const { confidence = 0.95, resamples = 10_000, seed = 1 } = opts;
  if (values.length === 0) throw new RangeError("medianInterval needs at least one value");
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  }
  const mid = median(values);
  if (values.length < 2) return { median: mid, low: mid, high: mid, n: values.length };
  const random = seededRandom(seed);
  const medians = new Float64Array(resamples);
  const draw = new Array(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) {
      draw[i] = values[Math.floor(random() * values.length)];
    }
    medians[r] = median(draw);
  }
  medians.sort();
  const tail = (1 - confidence) / 2;
  const at = (q) => medians[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  return { median: mid, low: at(tail), high: at(1 - tail), n: values.length };
}

/**
 * What an interval says of a target: `met` when all of it is on the target's side, `not
 * met` when none of it is, `inconclusive` when the target lies inside it (more slices, or a
 * quieter machine, would be needed to tell). `target` is `{ min }` (at least) or `{ max }`
 * (at most). Fewer than 2 values: `inconclusive`.
 */
export function readTarget(interval, target) {
  if (interval.n < 2) return "inconclusive"; // one value has no interval
  if (target.min !== undefined) {
    if (interval.low >= target.min) return "met";
    return interval.high < target.min ? "not met" : "inconclusive";
  }
  if (interval.high <= target.max) return "met";
  return interval.low > target.max ? "not met" : "inconclusive";
}
