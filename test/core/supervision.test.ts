import { describe, expect, it } from "vitest";
import {
  affectedChildren,
  DEFAULT_FLAGS,
  parseFlags,
  recordRestart,
  shouldRestart,
} from "../../core/supervision";

describe("recordRestart", () => {
  it("exceeds on the first restart when intensity is 0", () => {
    expect(recordRestart([], 1000, { intensity: 0, periodMs: 5000 })).toEqual({
      history: [1000],
      exceeded: true,
    });
  });

  it("allows 3 restarts within 10 s under intensity 3 and exceeds on the 4th", () => {
    const flags = { intensity: 3, periodMs: 10_000 };
    let history: number[] = [];
    for (const at of [0, 1000, 2000]) {
      const r = recordRestart(history, at, flags);
      expect(r.exceeded).toBe(false);
      history = r.history;
    }
    expect(recordRestart(history, 9999, flags)).toEqual({
      history: [0, 1000, 2000, 9999],
      exceeded: true,
    });
  });

  it("does not exceed when older restarts have aged out of the window", () => {
    const flags = { intensity: 3, periodMs: 10_000 };
    expect(recordRestart([0, 1000, 2000], 10_001, flags)).toEqual({
      history: [1000, 2000, 10_001],
      exceeded: false,
    });
  });

  it("counts a restart exactly periodMs ago as inside the window, as OTP does (R >= Now - Period)", () => {
    const r = recordRestart([5000], 10_000, { intensity: 1, periodMs: 5000 });
    expect(r).toEqual({ history: [5000, 10_000], exceeded: true });
  });

  it("drops a restart older than periodMs from the window", () => {
    const r = recordRestart([4999], 10_000, { intensity: 1, periodMs: 5000 });
    expect(r).toEqual({ history: [10_000], exceeded: false });
  });

  it("does not mutate the history it was given", () => {
    const history = Object.freeze([1, 2]);
    recordRestart(history, 3, { intensity: 5, periodMs: 100 });
    expect(history).toEqual([1, 2]);
  });
});

describe("shouldRestart", () => {
  it("always restarts a permanent child", () => {
    expect(["normal", "shutdown", "crash"].map((r) => shouldRestart("permanent", r))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("restarts a transient child only after an abnormal exit", () => {
    expect(shouldRestart("transient", "normal")).toBe(false);
    expect(shouldRestart("transient", "shutdown")).toBe(false);
    expect(shouldRestart("transient", "crash")).toBe(true);
    expect(shouldRestart("transient", "killed")).toBe(true);
  });

  it("never restarts a temporary child", () => {
    expect(["normal", "crash"].map((r) => shouldRestart("temporary", r))).toEqual([false, false]);
  });
});

describe("affectedChildren", () => {
  const children = ["db", "cache", "api", "worker"];

  it("restarts only the crashed child under one_for_one", () => {
    expect(affectedChildren("one_for_one", children, "cache")).toEqual(["cache"]);
  });

  it("restarts every child under one_for_all", () => {
    expect(affectedChildren("one_for_all", children, "cache")).toEqual(children);
  });

  it("restarts the crashed child and those started after it under rest_for_one", () => {
    expect(affectedChildren("rest_for_one", children, "cache")).toEqual(["cache", "api", "worker"]);
    expect(affectedChildren("rest_for_one", children, "worker")).toEqual(["worker"]);
  });

  it("affects nothing when the failed child is no longer supervised", () => {
    expect(affectedChildren("one_for_all", children, "ghost")).toEqual([]);
  });
});

describe("parseFlags", () => {
  it("fills missing fields from the OTP defaults", () => {
    expect(DEFAULT_FLAGS).toEqual({ strategy: "one_for_one", intensity: 1, periodMs: 5000 });
    expect(parseFlags({})).toEqual(DEFAULT_FLAGS);
  });

  it("accepts numbers as decimal strings, as env vars deliver them", () => {
    expect(parseFlags({ strategy: "rest_for_one", intensity: "5", periodMs: "10000" })).toEqual({
      strategy: "rest_for_one",
      intensity: 5,
      periodMs: 10_000,
    });
    expect(parseFlags({ intensity: 0 }).intensity).toBe(0);
  });

  it("names the field and the limit when a flag is invalid", () => {
    expect(() => parseFlags({ strategy: "one_for_some" })).toThrow(
      'strategy must be one of one_for_one, one_for_all, rest_for_one, got "one_for_some"',
    );
    expect(() => parseFlags({ intensity: -1 })).toThrow(
      "intensity must be an integer >= 0, got -1",
    );
    expect(() => parseFlags({ periodMs: "0" })).toThrow(
      'periodMs must be an integer >= 1, got "0"',
    );
    expect(() => parseFlags({ periodMs: 1.5 })).toThrow(
      "periodMs must be an integer >= 1, got 1.5",
    );
  });

  it("renders env-style names for an upper-case field prefix", () => {
    expect(() => parseFlags({ periodMs: "soon" }, "SUPERVISOR_")).toThrow(
      'SUPERVISOR_PERIOD_MS must be an integer >= 1, got "soon"',
    );
    expect(() => parseFlags({ intensity: "x" }, "supervisor.")).toThrow(
      'supervisor.intensity must be an integer >= 0, got "x"',
    );
  });
});
