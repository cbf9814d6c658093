import { describe, expect, it } from "vitest";
import {
  formatPlan,
  MAX_SHARDS,
  MAX_SUB_SHARDS,
  PLATFORM_OBJECT_LIMIT_RPS,
  planCapacity,
  planTable,
} from "../../core/capacity";

describe("planCapacity", () => {
  it("plans 50k req/s at 0.7 utilisation of the platform's 1,000 req/s per object", () => {
    const plan = planCapacity({ targetRps: 50_000, utilisation: 0.7 });
    expect(plan).toMatchObject({
      objectCapacityRps: PLATFORM_OBJECT_LIMIT_RPS,
      boundBy: "platform",
      plannedPerObjectRps: 700,
      shards: 72, // ceil(50,000 / 700) = ceil(71.43)
      hotSkuRps: 50_000,
      hotSkuSubShards: 72,
      admissionRatePerShard: 700,
    });
    expect(plan.headroom).toBeCloseTo(72_000 / 50_000 - 1, 10);
  });

  it("never counts on more than the platform limit, whatever a measurement says", () => {
    const plan = planCapacity({ targetRps: 10_000, perObjectRps: 2300 });
    expect(plan.objectCapacityRps).toBe(1000);
    expect(plan.boundBy).toBe("platform");
    expect(plan.shards).toBe(15);
  });

  it("plans from a measured capacity below the limit, and spreads only the hot share", () => {
    const plan = planCapacity({ targetRps: 10_000, perObjectRps: 400, hotShare: 0.25 });
    expect(plan).toMatchObject({ boundBy: "measured", plannedPerObjectRps: 280, shards: 36 });
    expect(plan.hotSkuSubShards).toBe(9); // ceil(2,500 / 280)
  });

  it("keeps at least one shard and one sub-shard, and headroom of at least 1/u - 1", () => {
    const plan = planCapacity({ targetRps: 1, utilisation: 0.5 });
    expect([plan.shards, plan.hotSkuSubShards]).toEqual([1, 1]);
    for (const target of [1000, 10_000, 50_000, 100_000, 123_457]) {
      expect(planCapacity({ targetRps: target }).headroom).toBeGreaterThanOrEqual(1 / 0.7 - 1);
    }
  });

  it("warns when the plan needs more shards than the configuration accepts", () => {
    const plan = planCapacity({ targetRps: 1_000_000, utilisation: 0.5, hotShare: 0.01 });
    expect(plan.shards).toBe(2000);
    expect(plan.warnings).toEqual([
      `2000 shards exceed INVENTORY_SHARDS' maximum of ${MAX_SHARDS}`,
    ]);
  });

  it("warns when one hot SKU would need more sub-shards than a SKU may spread over", () => {
    expect(planCapacity({ targetRps: 44_800, utilisation: 0.7 }).warnings).toEqual([]);
    const plan = planCapacity({ targetRps: 50_000, utilisation: 0.7 });
    expect(plan.hotSkuSubShards).toBeGreaterThan(MAX_SUB_SHARDS);
    expect(plan.warnings).toEqual([
      `72 sub-shards exceed the ${MAX_SUB_SHARDS} one SKU may spread over: one SKU serves at most 44,800 req/s as planned; spread the sale over several SKUs, or plan a smaller --hot-share`,
    ]);
    // Spread over many SKUs instead, the same load needs no such spread.
    expect(planCapacity({ targetRps: 50_000, utilisation: 0.7, hotShare: 0.5 }).warnings).toEqual(
      [],
    );
  });

  it("names the field and its range when an input is out of range", () => {
    expect(() => planCapacity({ targetRps: 0 })).toThrow(
      "targetRps must be a number in (0, ∞), got 0",
    );
    expect(() => planCapacity({ targetRps: 10, utilisation: 1.5 })).toThrow(
      "utilisation must be a number in (0, 1], got 1.5",
    );
    expect(() => planCapacity({ targetRps: 10, hotShare: -0.1 })).toThrow(
      "hotShare must be a number in [0, 1], got -0.1",
    );
    expect(() => planCapacity({ targetRps: 10, perObjectRps: Number.NaN })).toThrow("perObjectRps");
  });
});

describe("formatPlan and planTable", () => {
  it("shows the arithmetic and the configuration to apply", () => {
    const lines = formatPlan(planCapacity({ targetRps: 50_000 }), "given").join("\n");
    expect(lines).toContain("shards                72 = ceil(50,000 / 700)");
    expect(lines).toContain(
      'INVENTORY_SHARDS=72 INVENTORY_RATE_PER_SECOND=700 HOT_SKUS="<the sale\'s sku>=64"',
    );
    expect(formatPlan(planCapacity({ targetRps: 10_000 }), "given").join("\n")).toContain(
      'HOT_SKUS="<the sale\'s sku>=15"',
    );
  });

  it("prints one row per typical target", () => {
    const rows = planTable([1000, 10_000, 50_000, 100_000], { utilisation: 0.7 });
    expect(rows.slice(2)).toEqual([
      "| 1,000 | 700 | 2 | 2 | 100 % |",
      "| 10,000 | 700 | 15 | 15 | 50 % |",
      "| 50,000 | 700 | 72 | 72 (over 64: split the SKU) | 44 % |",
      "| 100,000 | 700 | 143 | 143 (over 64: split the SKU) | 43 % |",
    ]);
  });
});
