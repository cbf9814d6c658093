import { describe, expect, it } from "vitest";
import { medianInterval, readTarget } from "../../bench/lib/interval.mjs";
import { seededRandom } from "../../bench/lib/random.mjs";
import { sliceRatios } from "../../bench/overhead/report.mjs";

/** `n` ratios scattered around `centre` (uniform ± `spread`), reproducibly. */
function scattered(n: number, centre: number, spread: number, seed = 7): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => centre + (random() * 2 - 1) * spread);
}

describe("bench/lib/interval.mjs: how sure a bench ratio is", () => {
  it("brackets the median, and narrows as slices are added", () => {
    const few = medianInterval(scattered(8, 0.9, 0.04));
    const many = medianInterval(scattered(128, 0.9, 0.04));
    for (const i of [few, many]) {
      expect(i.low).toBeLessThanOrEqual(i.median);
      expect(i.high).toBeGreaterThanOrEqual(i.median);
    }
    expect(many.high - many.low).toBeLessThan((few.high - few.low) / 2);
    expect(many.low).toBeGreaterThan(0.88);
    expect(many.high).toBeLessThan(0.92);
  });

  it("covers the true median about as often as it claims (95 %)", { timeout: 30_000 }, () => {
    // 300 experiments of 30 slices each, drawn from a distribution whose median is 0.9.
    const experiments = 300;
    let covered = 0;
    for (let e = 0; e < experiments; e++) {
      const i = medianInterval(scattered(30, 0.9, 0.05, 1000 + e), { resamples: 1000 });
      if (i.low <= 0.9 && 0.9 <= i.high) covered++;
    }
    expect(covered / experiments).toBeGreaterThan(0.9);
    expect(covered / experiments).toBeLessThan(0.995);
  });

  it("is reproducible, and degenerate for a single slice", () => {
    const values = scattered(20, 1, 0.1);
    expect(medianInterval(values)).toEqual(medianInterval(values));
    expect(medianInterval([0.87])).toEqual({ median: 0.87, low: 0.87, high: 0.87, n: 1 });
    expect(() => medianInterval([])).toThrow(/at least one/);
    expect(() => medianInterval([1, 2], { confidence: 1 })).toThrow(/confidence/);
  });

  it("reads a target as met, not met, or inconclusive when the target lies inside", () => {
    const around = { median: 0.89, low: 0.87, high: 0.91, n: 12 };
    expect(readTarget(around, { min: 0.9 })).toBe("inconclusive");
    expect(readTarget(around, { min: 0.85 })).toBe("met");
    expect(readTarget(around, { min: 0.95 })).toBe("not met");
    expect(readTarget(around, { max: 0.9 })).toBe("inconclusive");
    expect(readTarget(around, { max: 1.3 })).toBe("met");
    expect(readTarget(around, { max: 0.8 })).toBe("not met");
    // One slice has no interval: it cannot show a target either way.
    expect(readTarget(medianInterval([0.99]), { min: 0.9 })).toBe("inconclusive");
  });
});

describe("bench/overhead/report.mjs: slice-by-slice ratios", () => {
  it("pairs each configuration's slices with bare's of the same round, skipping failed rounds", () => {
    const samples = [
      { round: 1, config: "a", workload: "write", sliceRps: [90, 180] },
      { round: 1, config: "b", workload: "write", sliceRps: [100, 200] },
      { round: 1, config: "a", workload: "read", sliceRps: [50] },
      { round: 1, config: "b", workload: "read", sliceRps: [100] },
      { round: 2, config: "a", workload: "write", sliceRps: [80] },
      { round: 2, config: "b", workload: "write", error: "failed to start" },
      { round: 3, config: "a", workload: "write", sliceRps: [99] },
      { round: 3, config: "b", workload: "write", sliceRps: [100] },
    ];
    expect(sliceRatios(samples, "write", "a", "b")).toEqual([0.9, 0.9, 0.99]);
    expect(sliceRatios(samples, "read", "a", "b")).toEqual([0.5]);
    expect(sliceRatios(samples, "write", "a", "v")).toEqual([]);
  });
});
