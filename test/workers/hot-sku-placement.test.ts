import { describe, expect, it } from "vitest";
import { defaultSubShards, parseHotSkus } from "../../durable-objects/inventory/spread/config";
import {
  chooseSubShard,
  donorOrder,
  maxSubShards,
  newHoldId,
  subShardIndex,
  subShardOfHold,
  yieldAmount,
} from "../../durable-objects/inventory/spread/placement";
import { aggregateView } from "../../durable-objects/inventory/spread/view";

describe("hot-SKU placement math", () => {
  it("puts sub-shard i in shard (home + i) mod N, distinct for K ≤ N, K capped at min(64, N)", () => {
    expect([0, 1, 2, 3].map((i) => subShardIndex(14, i, 16))).toEqual([14, 15, 0, 1]);
    expect(maxSubShards(16)).toBe(16);
    expect(maxSubShards(1024)).toBe(64);
  });

  it("names the sub-shard in hold ids, and reads 0 from plain and saga ids", () => {
    expect(subShardOfHold(newHoldId(7))).toBe(7);
    expect(subShardOfHold(newHoldId(0))).toBe(0);
    expect(newHoldId(undefined)).toMatch(/^h_[0-9a-f-]{36}$/);
    expect(subShardOfHold("~order-1.sku.3")).toBe(0);
    expect(subShardOfHold("h_not-a-uuid.3")).toBe(0);
  });

  it("pins a keyed hold to one sub-shard per K and spreads unkeyed ones", () => {
    expect(chooseSubShard(4, "hold/s/k")).toBe(chooseSubShard(4, "hold/s/k"));
    expect(chooseSubShard(1, "hold/s/k")).toBe(0);
    expect(chooseSubShard(4, undefined, 0.99)).toBe(3);
    expect(chooseSubShard(4, undefined, 0)).toBe(0);
  });

  it("asks donors with free units only, retired ones first, then by most free", () => {
    const free: Record<number, number> = { 0: 5, 1: 0, 2: 9, 3: 2, 4: 1 };
    expect(donorOrder(1, 4, 5, (i) => free[i] ?? 0)).toEqual([4, 2, 0, 3]);
  });

  it("yields what is wanted or half the free units, whichever is more; a retired donor all", () => {
    expect(yieldAmount(100, 1, false)).toBe(50);
    expect(yieldAmount(100, 80, false)).toBe(80);
    expect(yieldAmount(1, 1, false)).toBe(1);
    expect(yieldAmount(3, 10, false)).toBe(3);
    expect(yieldAmount(7, 1, true)).toBe(7);
    expect(yieldAmount(0, 5, false)).toBe(0);
  });

  it("aggregates parts into one SkuView, never with negative availability", () => {
    const part = (held: number, sold: number, version: number) => ({
      sku: "s",
      stock: 0,
      available: 0,
      held,
      sold,
      version,
    });
    expect(aggregateView("s", { total: 10, version: 3 }, [part(2, 1, 4), part(1, 0, 5)])).toEqual({
      sku: "s",
      stock: 10,
      available: 6,
      held: 3,
      sold: 1,
      version: 12,
    });
    expect(
      aggregateView("s", { total: 1, version: 0 }, [part(1, 0, 1), part(1, 0, 1)]),
    ).toMatchObject({ available: 0 });
  });
});

describe("HOT_SKUS", () => {
  it("parses pattern=K rules, the first match winning", () => {
    const rules = parseHotSkus("flash-*=4, promo-1=8,*-hot=2", 16);
    const config = { rules, maxSubShards: 16 };
    expect(defaultSubShards(config, "flash-tee")).toBe(4);
    expect(defaultSubShards(config, "promo-1")).toBe(8);
    expect(defaultSubShards(config, "promo-12")).toBe(1);
    expect(defaultSubShards(config, "tee-hot")).toBe(2);
    expect(parseHotSkus("", 16)).toEqual([]);
    expect(parseHotSkus(undefined, 16)).toEqual([]);
  });

  it("refuses a malformed rule or a K past the limit, naming the rule and the limit", () => {
    expect(() => parseHotSkus("flash-*=17", 16)).toThrow(/flash-\*=17.*1 to 16/);
    expect(() => parseHotSkus("flash-*=0", 16)).toThrow(/HOT_SKUS rule/);
    expect(() => parseHotSkus("flash-*", 16)).toThrow(/pattern=K/);
    expect(() => parseHotSkus("a b=2", 16)).toThrow(/HOT_SKUS rule/);
  });
});
