export interface Build {
  readonly name: string;
  readonly config: string;
  readonly vars: Readonly<Record<string, string>>;
  /** Headers of the seeding `PUT` (the product's admin token; none for bare). */
  readonly seedHeaders: Readonly<Record<string, string>>;
}
export function parseBuilds(args: readonly string[]): Build[];
/** A build's per-slice ratio to bare: median, its 95 % interval, lowest and highest slice. */
export interface BuildSummary {
  name: string;
  median: number;
  ciLow: number;
  ciHigh: number;
  low: number;
  high: number;
}
export function summarize(
  slices: readonly Readonly<Record<string, number>>[],
  names: readonly string[],
): BuildSummary[];
export function compare(
  workload: string,
  args: readonly string[],
  log?: (line: string) => void,
): Promise<BuildSummary[]>;
