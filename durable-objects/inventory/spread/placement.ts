import { MAX_SUB_SHARDS } from "../../../core/http";
import { hashKey } from "../../../core/sharding";

export { MAX_SUB_SHARDS };

/**
 * Sub-shard `i` of a SKU lives in inventory shard `(home + i) mod shards`, `home` being the
 * SKU's own jump-hash shard: sub-shard 0 is the home (and the coordinator), so K = 1 is the
 * plain layout, and for K ≤ shards the sub-shards are distinct objects.
 */
export const subShardIndex = (home: number, subShard: number, shards: number): number =>
  (home + subShard) % shards;

/** The largest K a deployment with `shards` inventory shards accepts. */
export const maxSubShards = (shards: number): number => Math.min(MAX_SUB_SHARDS, shards);

const SPREAD_HOLD_ID = /^h_[0-9a-f-]{36}\.([1-9][0-9]?)$/;

/**
 * A new client hold id. Holds of sub-shard `i > 0` carry it as a suffix (`h_<uuid>.<i>`),
 * so confirm, release and reads reach the right object whatever K is now; sub-shard 0's
 * ids are the plain `h_<uuid>`.
 */
export const newHoldId = (subShard: number | undefined): string =>
  `h_${crypto.randomUUID()}${subShard ? `.${subShard}` : ""}`;

/**
 * The sub-shard that holds `holdId`: its suffix, or 0 for plain ids and saga holds
 * (`~order.sku`, always placed on sub-shard 0).
 */
export function subShardOfHold(holdId: string): number {
  const match = SPREAD_HOLD_ID.exec(holdId);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/**
 * Which of `k` sub-shards a new hold goes to. A keyed hold is pinned by its scoped key, so
 * a retry under the same K meets its idempotency record; an unkeyed one is spread at
 * random (`random` in [0, 1), injectable for tests).
 */
export function chooseSubShard(k: number, key: string | undefined, random = Math.random()): number {
  if (k <= 1) return 0;
  if (key !== undefined) return Number(hashKey(key) % BigInt(k));
  return Math.min(k - 1, Math.floor(random * k));
}

/**
 * Donors of a transfer to `target`, in the order they are asked: those known to have free
 * units (the coordinator learns every part from transfers and the sub-shards' reports),
 * retired sub-shards first (their stock is stranded), then by most free units known.
 */
export function donorOrder(
  target: number,
  k: number,
  highest: number,
  freeOf: (subShard: number) => number,
): number[] {
  const others = [...Array(highest).keys()].filter((i) => i !== target && freeOf(i) > 0);
  const rank = (i: number) => (i >= k ? 0 : 1);
  return others.sort((a, b) => rank(a) - rank(b) || freeOf(b) - freeOf(a) || a - b);
}

/**
 * How much a donor with `free` units gives toward `want`: what is wanted if it has it, or
 * half its free units if that is more (so a drained sub-shard is refilled in few moves); a
 * retired donor (`all`) gives everything free.
 */
export const yieldAmount = (free: number, want: number, all: boolean): number =>
  Math.max(0, all ? free : Math.max(Math.min(want, free), Math.floor(free / 2)));
