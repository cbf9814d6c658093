/** The most shards one service may be split into; more is a misconfiguration. */
export const MAX_SHARDS = 1024;

/**
 * Parses a shard count from configuration: an integer from 1 to `MAX_SHARDS` (1024),
 * given as a number or a decimal string such as an env var's `"16"`. Throws an Error
 * naming `field` and the limit otherwise, so a bad deploy fails at start-up, not later.
 */
export function validateShardCount(field: string, value: unknown): number {
  const parsed =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\s*\d+\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > MAX_SHARDS) {
    throw new Error(
      `${field} must be an integer from 1 to ${MAX_SHARDS}, got ${describeValue(value)}`,
    );
  }
  return parsed;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "object" && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}
