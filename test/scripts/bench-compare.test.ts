import { describe, expect, it } from "vitest";
import { sliceOrder } from "../../bench/lib/order.mjs";
import { parseBuilds, summarize } from "../../bench/overhead/compare.mjs";

describe("bench/overhead/compare.mjs", () => {
  it("takes name=config builds, with bare appended as the baseline", () => {
    const builds = parseBuilds(["before=/tmp/before/wrangler.toml", "after=wrangler.toml"]);
    expect(builds.map((b) => [b.name, b.config])).toEqual([
      ["before", "/tmp/before/wrangler.toml"],
      ["after", "wrangler.toml"],
      ["bare", "bench/overhead/bare/wrangler.toml"],
    ]);
    expect(builds[0]?.vars).toMatchObject({ RATE_LIMIT_PER_MINUTE: "10000000" });
    expect(builds[2]?.vars).toEqual({});
  });

  it("refuses no builds, a malformed one, a duplicate name and the name bare", () => {
    expect(() => parseBuilds([])).toThrow(/at least one build/);
    expect(() => parseBuilds(["wrangler.toml"])).toThrow(/name=config/);
    expect(() => parseBuilds(["a="])).toThrow(/name=config/);
    expect(() => parseBuilds(["a=x.toml", "a=y.toml"])).toThrow(/differ/);
    expect(() => parseBuilds(["bare=x.toml"])).toThrow(/baseline/);
  });

  it("takes the servers in a fresh shuffled order per slice, so none always follows the same one", () => {
    const orders = Array.from({ length: 10 }, (_, slice) =>
      sliceOrder(["a", "b", "bare"], 1, slice).join(","),
    );
    for (const order of orders) expect(order.split(",").sort()).toEqual(["a", "b", "bare"]);
    const followers = new Set(
      orders.map((order) => order.split(",")[order.split(",").indexOf("b") + 1]),
    );
    expect(followers.size).toBeGreaterThan(1); // b is followed by different servers
    expect(sliceOrder(["a", "b", "bare"], 1, 3)).toEqual(sliceOrder(["a", "b", "bare"], 1, 3));
  });

  it("summarizes each build by its per-slice throughput over bare's in the same slice", () => {
    const slices = [
      { a: 900, bare: 1000 },
      { a: 1200, bare: 1000 }, // a fast slice for a alone
      { a: 450, bare: 500 }, // the machine slowed for both: the ratio holds
    ];
    const [a] = summarize(slices, ["a", "bare"]);
    expect(a).toMatchObject({ name: "a", median: 0.9, low: 0.9, high: 1.2 });
    // The median's interval holds the median and lies within the slices' range (two of the
    // three slices are 0.9, so most resamples' medians are too).
    expect(a?.ciLow).toBe(0.9);
    expect(a?.ciHigh).toBeGreaterThanOrEqual(0.9);
    expect(a?.ciHigh).toBeLessThanOrEqual(1.2);
  });
});
