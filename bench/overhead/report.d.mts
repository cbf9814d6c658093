/** One configuration's measured sample of one workload in one round (what the bench records). */
export interface Sample {
  readonly round: number;
  readonly config: string;
  readonly workload: string;
  /** Each slice's 2xx answers per second, in slice order. */
  readonly sliceRps?: readonly number[];
  /** Set when the round failed: no figures. */
  readonly error?: string;
}
export function sliceRatios(
  samples: readonly Sample[],
  workload: string,
  x: string,
  y: string,
): number[];
