/** One processed actor command, as the Analytics Engine data point is built from it. */
export interface CommandFact {
  readonly service: string;
  readonly actor: string;
  readonly command: string;
  readonly outcome: string;
  readonly durationMs: number;
}

/** The shape `AnalyticsEngineDataset.writeDataPoint` takes (kept pure here). */
export interface AnalyticsPoint {
  readonly blobs: string[];
  readonly doubles: number[];
  readonly indexes: string[];
}

/**
 * The data point of one actor command: blobs `[service, command, outcome]` (blob1–blob3 in
 * SQL queries), doubles `[durationMs, shardIndex]` (double1, double2; shard index -1 when the
 * actor name carries none), and the actor name as the index (the sampling key, so a hot shard
 * is sampled on its own instead of drowning the others). A caller that writes many points of
 * one actor may pass its `shardIndexOf` once computed.
 */
export function commandDataPoint(
  fact: CommandFact,
  shardIndex = shardIndexOf(fact.actor),
): AnalyticsPoint {
  return {
    blobs: [fact.service, fact.command, fact.outcome],
    doubles: [fact.durationMs, shardIndex],
    indexes: [fact.actor.slice(0, 96)],
  };
}

/** The trailing number of a shard name (`inventory-3` → 3), or -1. */
export function shardIndexOf(actor: string): number {
  const match = /-(\d+)$/.exec(actor);
  return match ? Number(match[1]) : -1;
}
