/**
 * Capacity planning: how many shards, and how many sub-shards for one hot SKU, a target load
 * needs, planned below each object's real limit so admitted work does not queue.
 *
 * One Durable Object is single-threaded. Cloudflare documents a soft limit of about 1,000
 * requests per second for an individual object ("How much work can a single Durable Object
 * do?", https://developers.cloudflare.com/durable-objects/platform/limits/ : "An individual
 * Object has a soft limit of 1,000 requests per second"; simple storage reads may go higher,
 * heavier work lower). A plan therefore never counts on more than that per object, whatever
 * a local measurement says, and plans each object at `utilisation` of it: the rest is
 * headroom for bursts, skew between shards, and the object's own background work (alarms,
 * sweeps).
 */

import { MAX_SUB_SHARDS } from "../http/placement";

/** The documented per-object soft limit, requests per second. */
export const PLATFORM_OBJECT_LIMIT_RPS = 1000;

/** The most inventory shards the product's configuration accepts (`INVENTORY_SHARDS`). */
export const MAX_SHARDS = 1024;

export { MAX_SUB_SHARDS };

/** Inputs of `planCapacity`. */
export interface CapacityInput {
  /** Requests per second the system must serve, > 0. */
  targetRps: number;
  /** Share of each object's capacity to plan for, in (0, 1]. Default 0.7. */
  utilisation?: number;
  /** Measured (or assumed) requests per second one object serves, > 0. Default: the platform limit. */
  perObjectRps?: number;
  /** The platform's per-object limit, > 0. Default `PLATFORM_OBJECT_LIMIT_RPS`. */
  platformLimitRps?: number;
  /** Share of the target that lands on the single hottest SKU, in [0, 1]. Default 1 (a flash sale). */
  hotShare?: number;
}

/** A capacity plan; every rate in requests per second. */
export interface CapacityPlan {
  readonly targetRps: number;
  readonly utilisation: number;
  /** min(per-object measurement, platform limit): what one object is counted on for. */
  readonly objectCapacityRps: number;
  /** Which figure bound `objectCapacityRps`. */
  readonly boundBy: "measured" | "platform";
  /** objectCapacityRps × utilisation: the load each object is planned to carry. */
  readonly plannedPerObjectRps: number;
  /** Shards for the target spread over many SKUs. */
  readonly shards: number;
  /** Load on the hottest SKU: targetRps × hotShare. */
  readonly hotSkuRps: number;
  /** Sub-shards the hottest SKU needs (1 = it fits in one object). */
  readonly hotSkuSubShards: number;
  /** What the planned objects could serve at full capacity, over the target, minus 1. */
  readonly headroom: number;
  /** Per-shard admission rate to configure (`INVENTORY_RATE_PER_SECOND`). */
  readonly admissionRatePerShard: number;
  /** Problems with the plan that configuration cannot absorb (e.g. more than `MAX_SHARDS`). */
  readonly warnings: readonly string[];
}

function within(field: string, value: number, min: number, max: number, minOpen = false): number {
  const low = minOpen ? value <= min : value < min;
  if (!Number.isFinite(value) || low || value > max) {
    const range = `${minOpen ? "(" : "["}${min}, ${max === Infinity ? "∞)" : `${max}]`}`;
    throw new Error(`${field} must be a number in ${range}, got ${value}`);
  }
  return value;
}

/** Plans shards and hot-SKU sub-shards for `input`; throws on an input out of range, naming it. */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const targetRps = within("targetRps", input.targetRps, 0, Infinity, true);
  const utilisation = within("utilisation", input.utilisation ?? 0.7, 0, 1, true);
  const platform = within(
    "platformLimitRps",
    input.platformLimitRps ?? PLATFORM_OBJECT_LIMIT_RPS,
    0,
    Infinity,
    true,
  );
  const measured = within("perObjectRps", input.perObjectRps ?? platform, 0, Infinity, true);
  const hotShare = within("hotShare", input.hotShare ?? 1, 0, 1);
  const objectCapacityRps = Math.min(measured, platform);
  const plannedPerObjectRps = objectCapacityRps * utilisation;
  const shards = Math.max(1, Math.ceil(targetRps / plannedPerObjectRps));
  const hotSkuRps = targetRps * hotShare;
  const hotSkuSubShards = Math.max(1, Math.ceil(hotSkuRps / plannedPerObjectRps));
  const warnings: string[] = [];
  if (shards > MAX_SHARDS) {
    warnings.push(`${shards} shards exceed INVENTORY_SHARDS' maximum of ${MAX_SHARDS}`);
  }
  if (hotSkuSubShards > MAX_SUB_SHARDS) {
    const ceiling = Math.floor(MAX_SUB_SHARDS * plannedPerObjectRps).toLocaleString("en-US");
    warnings.push(
      `${hotSkuSubShards} sub-shards exceed the ${MAX_SUB_SHARDS} one SKU may spread over: one SKU serves at most ${ceiling} req/s as planned; spread the sale over several SKUs, or plan a smaller --hot-share`,
    );
  }
  return {
    targetRps,
    utilisation,
    objectCapacityRps,
    boundBy: measured < platform ? "measured" : "platform",
    plannedPerObjectRps,
    shards,
    hotSkuRps,
    hotSkuSubShards,
    headroom: (shards * objectCapacityRps) / targetRps - 1,
    admissionRatePerShard: Math.floor(plannedPerObjectRps),
    warnings,
  };
}
