/** One cumulative histogram bucket: how many observations were `<= le`. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * The `q`-quantile (0–1) of a cumulative histogram, computed as Prometheus'
 * `histogram_quantile` does: find the bucket holding the rank `q × total` and interpolate
 * linearly inside it (the first bucket starts at 0); a rank in the `+Inf` bucket answers the
 * highest finite bound. `null` when there were no observations. Counts that go down with
 * `le` (buckets summed from series flushed at different times) are raised to stay monotonic.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be from 0 to 1, got ${q}`);
  const sorted = monotonic([...buckets].sort((a, b) => a.le - b.le));
  const last = sorted.at(-1);
  if (last === undefined || last.le !== Number.POSITIVE_INFINITY) {
    throw new Error('a histogram needs its le="+Inf" bucket');
  }
  if (last.count === 0) return null;
  const rank = q * last.count;
  const index = sorted.findIndex((bucket) => bucket.count >= rank);
  const bucket = sorted[index] ?? last;
  const below = sorted[index - 1];
  if (bucket.le === Number.POSITIVE_INFINITY) return below?.le ?? null;
  const start = below?.le ?? 0;
  const countBelow = below?.count ?? 0;
  const inBucket = bucket.count - countBelow;
  if (inBucket === 0) return bucket.le;
  return start + (bucket.le - start) * ((rank - countBelow) / inBucket);
}

function monotonic(buckets: Bucket[]): Bucket[] {
  let highest = 0;
  return buckets.map(({ le, count }) => {
    highest = Math.max(highest, count);
    return { le, count: highest };
  });
}
