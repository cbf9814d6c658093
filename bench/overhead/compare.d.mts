export interface Build {
  readonly name: string;
  readonly config: string;
  readonly vars: Readonly<Record<string, string>>;
  /** Headers of the seeding `PUT` (the product's admin token; none for bare). */
  readonly seedHeaders: Readonly<Record<string, string>>;
}
export function parseBuilds(args: readonly string[]): Build[];
export function summarize(
  slices: readonly Readonly<Record<string, number>>[],
  names: readonly string[],
): { name: string; median: number; low: number; high: number }[];
export function compare(
  workload: string,
  args: readonly string[],
  log?: (line: string) => void,
): Promise<{ name: string; median: number; low: number; high: number }[]>;
