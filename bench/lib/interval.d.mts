export interface MedianInterval {
  readonly median: number;
  readonly low: number;
  readonly high: number;
  /** How many values it was computed from. */
  readonly n: number;
}
export function medianInterval(
  values: readonly number[],
  opts?: { confidence?: number; resamples?: number; seed?: number },
): MedianInterval;
export function readTarget(
  interval: Pick<MedianInterval, "low" | "high">,
  target: { readonly min: number } | { readonly max: number },
): "met" | "not met" | "inconclusive";
