/**
 * Default latency buckets, in seconds: 1 ms to 10 s, roughly ×2.5 apart (Prometheus client
 * defaults shifted down a decade: actor commands take milliseconds, not seconds).
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Index of the bucket an observation falls in: the first bound ≥ value, or `+Inf`'s. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  for (let i = 0; i < bounds.length; i++) {
    if (value <= (bounds[i] as number)) return i;
  }
  return bounds.length;
}

/** Empty per-bucket counts for `bounds` (one more slot for `+Inf`). */
export const emptyCounts = (bounds: readonly number[]): number[] =>
  new Array<number>(bounds.length + 1).fill(0);

/** Adds per-bucket counts `b` into `a` (same length); answers `a`. */
export function addCounts(a: number[], b: readonly number[]): number[] {
  for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) + (b[i] ?? 0);
  return a;
}

/** Per-bucket counts to the cumulative ones the exposition formats show (`le` semantics). */
export function cumulative(counts: readonly number[]): number[] {
  let total = 0;
  return counts.map((n) => {
    total += n;
    return total;
  });
}
