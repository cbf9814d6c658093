import { describe, expect, it } from "vitest";
import { parseBuilds, rotated, summarize } from "../../bench/overhead/compare.mjs";

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

  it("rotates the order by one per slice, so no server always follows the same one", () => {
    expect([0, 1, 2, 3].map((slice) => rotated(["a", "b", "bare"], slice))).toEqual([
      ["a", "b", "bare"],
      ["b", "bare", "a"],
      ["bare", "a", "b"],
      ["a", "b", "bare"],
    ]);
  });

  it("summarizes each build by its per-slice throughput over bare's in the same slice", () => {
    const slices = [
      { a: 900, bare: 1000 },
      { a: 1200, bare: 1000 }, // a fast slice for a alone
      { a: 450, bare: 500 }, // the machine slowed for both: the ratio holds
    ];
    expect(summarize(slices, ["a", "bare"])).toEqual([
      { name: "a", median: 0.9, low: 0.9, high: 1.2 },
    ]);
  });
});
