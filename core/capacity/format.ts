import { type CapacityInput, type CapacityPlan, MAX_SUB_SHARDS, planCapacity } from "./plan";

const n = (value: number): string => Math.round(value).toLocaleString("en-US");
const pct = (value: number): string => `${Math.round(value * 100)} %`;

/** The K a hot SKU is configured with: the plan's, within what one SKU and the shards allow. */
const spreadOf = (plan: CapacityPlan): number =>
  Math.min(plan.hotSkuSubShards, MAX_SUB_SHARDS, plan.shards);

/** A table cell: the sub-shards, flagged when one SKU cannot spread that far. */
const subShardsCell = (plan: CapacityPlan): string =>
  plan.hotSkuSubShards > MAX_SUB_SHARDS
    ? `${plan.hotSkuSubShards} (over ${MAX_SUB_SHARDS}: split the SKU)`
    : String(plan.hotSkuSubShards);

/** A plan in plain words, one line each, with the arithmetic shown. */
export function formatPlan(plan: CapacityPlan, capacitySource: string): string[] {
  const u = plan.utilisation;
  return [
    `target                ${n(plan.targetRps)} req/s at utilisation ${u}`,
    `per-object capacity   ${n(plan.objectCapacityRps)} req/s (bound by the ${plan.boundBy} figure; ${capacitySource})`,
    `planned per object    ${n(plan.plannedPerObjectRps)} req/s = ${n(plan.objectCapacityRps)} × ${u}`,
    `shards                ${plan.shards} = ceil(${n(plan.targetRps)} / ${n(plan.plannedPerObjectRps)})`,
    `hot SKU               ${n(plan.hotSkuRps)} req/s on one SKU → ${plan.hotSkuSubShards} sub-shard${plan.hotSkuSubShards === 1 ? "" : "s"} = ceil(${n(plan.hotSkuRps)} / ${n(plan.plannedPerObjectRps)})`,
    `headroom              ${pct(plan.headroom)} (what ${plan.shards} shards serve flat out, over the target)`,
    `configure             INVENTORY_SHARDS=${plan.shards} INVENTORY_RATE_PER_SECOND=${plan.admissionRatePerShard} HOT_SKUS="<the sale's sku>=${spreadOf(plan)}"`,
    ...plan.warnings.map((w) => `WARNING               ${w}`),
  ];
}

/** One row per target: the README's table of typical loads. */
export function planTable(
  targets: readonly number[],
  input: Omit<CapacityInput, "targetRps">,
): string[] {
  const rows = targets.map((targetRps) => planCapacity({ ...input, targetRps }));
  const head = "| target req/s | per object (planned) | shards | hot-SKU sub-shards | headroom |";
  return [
    head,
    "| -----------: | -------------------: | -----: | -----------------: | -------: |",
    ...rows.map(
      (p) =>
        `| ${n(p.targetRps)} | ${n(p.plannedPerObjectRps)} | ${p.shards} | ${subShardsCell(p)} | ${pct(p.headroom)} |`,
    ),
  ];
}
