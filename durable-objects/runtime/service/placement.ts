import { integer, type Vars } from "../../../core/config";
import { ShardMap } from "../../../core/sharding";

/**
 * Where a service's state lives.
 *
 * - `sharded`: a fixed number of objects (`<NAME>_SHARDS` vars override `shards`), each key
 *   owned by one of them through jump consistent hashing. For hot, shared state (a SKU's
 *   stock). Changing the count moves keys: an explicit migration, never silent.
 * - `entity`: one object per key, passivated after `idleTimeoutMs` without messages. For
 *   state whose natural unit is one entity (a user, a cart, a session).
 */
export type Placement = ShardedPlacement | EntityPlacement;

export interface ShardedPlacement {
  readonly kind: "sharded";
  /** Default shard count, 1–1024; the `<NAME>_SHARDS` var overrides it. */
  readonly shards: number;
}

export interface EntityPlacement {
  readonly kind: "entity";
  /** How long an entity's actor stays in memory without a message before it is passivated. */
  readonly idleTimeoutMs: number;
}

/** A placement with its vars applied: the shard map of a sharded service. */
export type ResolvedPlacement =
  | { readonly kind: "sharded"; readonly shards: ShardMap }
  | { readonly kind: "entity"; readonly idleTimeoutMs: number };

/** Applies the vars (`<PREFIX>_SHARDS`, `<PREFIX>_IDLE_TIMEOUT_MS`) to a declared placement. */
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
  return { kind: "entity", idleTimeoutMs };
}
