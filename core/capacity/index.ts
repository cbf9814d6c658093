/** Capacity planning: shards and hot-SKU sub-shards for a target load (pure arithmetic). */

export { formatPlan, planTable } from "./format";
export type { CapacityInput, CapacityPlan } from "./plan";
export { MAX_SHARDS, MAX_SUB_SHARDS, PLATFORM_OBJECT_LIMIT_RPS, planCapacity } from "./plan";
