import { integer, type Vars } from "../../../core/config";
import { ShardMap } from "../../../core/sharding";

/**
 * Where a service's state lives.
 *
 * - `sharded`: a fixed number of objects (`<NAME>_SHARDS` vars override `shards`), each key
 *   owned by one of them through jump consistent hashing. For hot, shared state (a SKU's
 *   stock). Changing the count moves keys: an explicit migration, never silent.
 * - `entity`: one object per key, named by the key, passivated after `idleTimeoutMs` without
 *   activity. For state whose natural unit is one entity (a user, a cart, a session). Active
 *   entities are listed by `partitions` `simple_one_for_one` supervisors (README "Entities").
 */
export type Placement = ShardedPlacement | EntityPlacement;

export interface ShardedPlacement {
  readonly kind: "sharded";
  /** Default shard count, 1–1024; the `<NAME>_SHARDS` var overrides it. */
  readonly shards: number;
}

export interface EntityPlacement {
  readonly kind: "entity";
  /**
   * How long an entity stays active without activity before it passivates (ms, 1 to
   * 86,400,000); the `<NAME>_IDLE_TIMEOUT_MS` var overrides it.
   */
  readonly idleTimeoutMs: number;
  /**
   * Optional, default 16 (1–1024): the partition supervisors `<name>/p0 … p<M−1>` that list
   * the active entities, by jump hash of the key; the `<NAME>_PARTITIONS` var overrides it.
   * Part of the layout, like a shard count: change it with the service drained.
   */
  readonly partitions?: number;
  /**
   * Optional, default none (kept for ever): how long a passive entity's storage is kept after
   * it passivated (ms, 1 to 31,536,000,000); then it is erased (`deleteAll`, its alarm
   * too) unless something is still pending — a timer (an idempotency record's sweep
   * included), an open socket — or it is active again. Its next message starts it from
   * empty storage. The `<NAME>_RETENTION_MS` var overrides (or sets) it; `off` keeps
   * passive entities' storage for ever.
   */
  readonly retentionMs?: number;
}

/** Partition supervisors of an entity service when its declaration does not say. */
export const DEFAULT_PARTITIONS = 16;

/** The longest a passive entity's storage may be kept before it is erased: 365 days. */
const MAX_RETENTION_MS = 365 * 86_400_000;

/** A placement with its vars applied: the shard map of a sharded service. */
export type ResolvedPlacement =
  | { readonly kind: "sharded"; readonly shards: ShardMap }
  | {
      readonly kind: "entity";
      readonly idleTimeoutMs: number;
      readonly partitions: number;
      /** `null`: a passive entity's storage is kept for ever. */
      readonly retentionMs: number | null;
    };

/**
 * Applies the vars (`<PREFIX>_SHARDS`; `<PREFIX>_IDLE_TIMEOUT_MS`, `<PREFIX>_PARTITIONS`,
 * `<PREFIX>_RETENTION_MS`) to a declared placement.
 */
export function resolvePlacement(
  name: string,
  prefix: string,
  placement: Placement,
  vars: Vars,
): ResolvedPlacement {
  if (placement.kind === "sharded") {
    const count = integer(vars, `${prefix}_SHARDS`, placement.shards, 1, 1024);
    return { kind: "sharded", shards: new ShardMap(name, count) };
  }
  const idleTimeoutMs = integer(
    vars,
    `${prefix}_IDLE_TIMEOUT_MS`,
    placement.idleTimeoutMs,
    1,
    86_400_000,
  );
  const partitions = integer(
    vars,
    `${prefix}_PARTITIONS`,
    placement.partitions ?? DEFAULT_PARTITIONS,
    1,
    1024,
  );
  const retentionMs = retention(`${prefix}_RETENTION_MS`, placement.retentionMs, vars);
  return { kind: "entity", idleTimeoutMs, partitions, retentionMs };
}

/**
 * `<PREFIX>_RETENTION_MS`: `off` (kept for ever), an integer from 1 to `MAX_RETENTION_MS`,
 * or unset/empty for the declared value (none declared: kept for ever).
 */
function retention(field: string, declared: number | undefined, vars: Vars): number | null {
  const raw = vars[field] ?? "";
  if (raw === "off") return null;
  if (raw === "" && declared === undefined) return null;
  try {
    return integer(vars, field, declared ?? 0, 1, MAX_RETENTION_MS);
  } catch {
    throw new Error(
      `${field} must be "off" or an integer from 1 to ${MAX_RETENTION_MS}, got ${JSON.stringify(raw)}`,
    );
  }
}
